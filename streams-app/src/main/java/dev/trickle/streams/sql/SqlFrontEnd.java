package dev.trickle.streams.sql;

import dev.trickle.streams.rows.PgType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.calcite.avatica.util.Casing;
import org.apache.calcite.avatica.util.Quoting;
import org.apache.calcite.config.CalciteConnectionConfigImpl;
import org.apache.calcite.jdbc.CalciteSchema;
import org.apache.calcite.jdbc.JavaTypeFactoryImpl;
import org.apache.calcite.plan.Contexts;
import org.apache.calcite.plan.RelOptCluster;
import org.apache.calcite.plan.RelOptRule;
import org.apache.calcite.plan.RelRule;
import org.apache.calcite.plan.hep.HepPlanner;
import org.apache.calcite.plan.hep.HepProgram;
import org.apache.calcite.prepare.CalciteCatalogReader;
import org.apache.calcite.rel.RelNode;
import org.apache.calcite.rel.rules.CoreRules;
import org.apache.calcite.rel.rules.FilterJoinRule;
import org.apache.calcite.rel.type.RelDataTypeFactory;
import org.apache.calcite.rex.RexBuilder;
import org.apache.calcite.schema.impl.AbstractSchema;
import org.apache.calcite.sql.SqlIdentifier;
import org.apache.calcite.sql.SqlNode;
import org.apache.calcite.sql.parser.SqlParser;
import org.apache.calcite.sql.parser.babel.SqlBabelParserImpl;
import org.apache.calcite.sql.validate.SqlNameMatchers;
import org.apache.calcite.sql.validate.SqlValidator;
import org.apache.calcite.sql2rel.RelDecorrelator;
import org.apache.calcite.sql2rel.SqlToRelConverter;
import org.apache.calcite.tools.RelBuilder;
import org.apache.calcite.tools.RelBuilderFactory;

/**
 * Calcite set up for PostgreSQL queries: babel parser (unquoted names folded to lower case), source
 * tables typed from PostgreSQL, PostgreSQL operator table, and conversion and simplification that never
 * evaluate anything themselves (Calcite's constant folding would compute Calcite's values, not PostgreSQL's).
 */
final class SqlFrontEnd {
    static final SqlParser.Config PARSER = SqlParser.config()
            .withParserFactory(SqlBabelParserImpl.FACTORY)
            .withConformance(PgConformance.INSTANCE)
            .withQuoting(Quoting.DOUBLE_QUOTE)
            .withUnquotedCasing(Casing.TO_LOWER)
            .withQuotedCasing(Casing.UNCHANGED)
            .withCaseSensitive(true);

    /** Type names PostgreSQL users write in casts that Calcite does not know; OTHER types only validate. */
    private static final List<String> TYPE_ALIASES = List.of("text", "int2", "int4", "int8", "float4", "float8",
            "bool", "bpchar", "timestamptz", "uuid", "json", "jsonb", "bytea", "inet", "money", "xml", "oid");

    private final RelDataTypeFactory typeFactory = new JavaTypeFactoryImpl(PgTypeSystem.INSTANCE);
    private final CalciteSchema root = CalciteSchema.createRootSchema(false, false);
    private final List<SourceTable> sources = new ArrayList<>();
    private final List<String> searchPath;
    private SqlValidator validator;

    SqlFrontEnd(List<String> searchPath) {
        this.searchPath = List.copyOf(searchPath);
        for (String alias : TYPE_ALIASES) {
            PgType t = PgType.parse(alias);
            root.add(alias, f -> PgTypeMapping.toCalcite(t, f));
        }
    }

    /** Registers the tables a query names (found through the search path); unknown ones are left to the validator. */
    void resolveTables(List<SqlIdentifier> names, SourceCatalog catalog) {
        for (SqlIdentifier id : names) {
            List<String> n = id.names;
            Optional<SourceTable> found = Optional.empty();
            if (n.size() == 1) {
                for (String schema : searchPath) {
                    found = catalog.find(schema, n.get(0));
                    if (found.isPresent()) {
                        break;
                    }
                }
            } else {
                found = catalog.find(n.get(n.size() - 2), n.get(n.size() - 1));
            }
            found.ifPresent(this::register);
        }
    }

    private void register(SourceTable table) {
        if (sources.stream().anyMatch(s -> s.qualifiedName().equals(table.qualifiedName()))) {
            return;
        }
        sources.add(table);
        CalciteSchema schema = root.getSubSchema(table.schema(), true);
        if (schema == null) {
            schema = root.add(table.schema(), new AbstractSchema());
        }
        schema.add(table.name(), new SourceRelTable(table));
    }

    List<SourceTable> sources() {
        return List.copyOf(sources);
    }

    /** @param strictGroupBy whether every selected column must be grouped (see {@link PgConformance#STRICT_GROUP_BY}) */
    SqlNode validate(SqlNode query, boolean strictGroupBy) {
        List<List<String>> paths = new ArrayList<>();
        for (String s : searchPath) {
            paths.add(List.of(s));
        }
        paths.add(List.of());
        Properties props = new Properties();
        props.setProperty("caseSensitive", "true");
        CalciteCatalogReader reader = new CalciteCatalogReader(root, SqlNameMatchers.withCaseSensitive(true), paths,
                typeFactory, new CalciteConnectionConfigImpl(props)) {
        };
        validator = new PgValidator(PgOperatorTable.INSTANCE, reader, typeFactory,
                SqlValidator.Config.DEFAULT
                        .withConformance(strictGroupBy ? PgConformance.STRICT_GROUP_BY : PgConformance.INSTANCE)
                        .withIdentifierExpansion(true)
                        // keep COALESCE/NULLIF as calls: the rewrite to CASE re-types the branches
                        .withCallRewrite(false));
        return validator.validate(query);
    }

    SqlValidator validator() {
        return validator;
    }

    /** Relational algebra for a validated query, filters pushed below projections and adjacent ones merged. */
    RelNode toRel(SqlNode validated) {
        RexBuilder rexBuilder = new RexBuilder(typeFactory);
        RelOptCluster cluster = RelOptCluster.create(new HepPlanner(HepProgram.builder().build()), rexBuilder);
        SqlToRelConverter.Config config = SqlToRelConverter.config()
                .withExpand(false)
                .withInSubQueryThreshold(Integer.MAX_VALUE)
                .withRelBuilderConfigTransform(c -> c.withSimplify(false));
        SqlToRelConverter converter = new SqlToRelConverter(null, validator, validator.getCatalogReader().unwrap(
                CalciteCatalogReader.class), cluster, new WindowConvertlets(PgConvertletTable.INSTANCE), config);
        RelNode rel = converter.convertQuery(validated, false, true).project();
        return simplify(OrFactoring.apply(decorrelate(rel)));
    }

    /** Subqueries in expressions become joins (correlated ones through Correlate), then correlation is removed. */
    private static RelNode decorrelate(RelNode rel) {
        RelBuilderFactory noSimplify = RelBuilder.proto(Contexts.of(RelBuilder.Config.DEFAULT.withSimplify(false)));
        List<RelOptRule> rules = List.of(
                rule(CoreRules.FILTER_SUB_QUERY_TO_CORRELATE.config, noSimplify),
                rule(CoreRules.PROJECT_SUB_QUERY_TO_CORRELATE.config, noSimplify),
                rule(CoreRules.JOIN_SUB_QUERY_TO_CORRELATE.config, noSimplify));
        HepPlanner planner = new HepPlanner(HepProgram.builder().addRuleCollection(rules).build());
        planner.setRoot(rel);
        RelNode removed = planner.findBestExp();
        return RelDecorrelator.decorrelateQuery(removed, noSimplify.create(rel.getCluster(), null));
    }

    private static RelNode simplify(RelNode rel) {
        RelBuilderFactory noSimplify = RelBuilder.proto(Contexts.of(RelBuilder.Config.DEFAULT.withSimplify(false)));
        // filters below projections: PostgreSQL evaluates the select list only for rows that pass WHERE
        List<RelOptRule> rules = List.of(
                rule(CoreRules.FILTER_PROJECT_TRANSPOSE.config, noSimplify),
                rule(CoreRules.FILTER_MERGE.config, noSimplify),
                rule(CoreRules.PROJECT_MERGE.config, noSimplify),
                rule(CoreRules.PROJECT_REMOVE.config, noSimplify),
                // WHERE conditions into joins (FROM a, b WHERE a.k = b.k must not be a cross join); not smart:
                // no outer join is turned into an inner one on Calcite's idea of which calls are strict
                rule(FilterJoinRule.FilterIntoJoinRule.FilterIntoJoinRuleConfig.SMART_FALSE, noSimplify),
                rule(FilterJoinRule.JoinConditionPushRule.JoinConditionPushRuleConfig.DEFAULT.withSmart(false), noSimplify));
        // first, window functions out of projections into Window operators (which no other rule moves)
        HepProgram program = HepProgram.builder()
                .addRuleInstance(rule(CoreRules.PROJECT_TO_LOGICAL_PROJECT_AND_WINDOW.config, noSimplify))
                .addRuleCollection(rules)
                .build();
        HepPlanner planner = new HepPlanner(program);
        planner.setRoot(rel);
        return planner.findBestExp();
    }

    private static RelOptRule rule(RelRule.Config config, RelBuilderFactory factory) {
        return config.withRelBuilderFactory(factory).toRule();
    }
}
