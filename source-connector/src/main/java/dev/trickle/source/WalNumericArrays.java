package dev.trickle.source;

import io.debezium.spi.converter.CustomConverter;
import io.debezium.spi.converter.RelationalColumn;
import java.util.Properties;
import org.apache.kafka.connect.data.SchemaBuilder;

/**
 * Debezium converter (setting {@code converters}) for {@code numeric[]} columns: the array as PostgreSQL's own text.
 * Debezium's own conversion turns each element into a BigDecimal, which {@code NaN} (and {@code Infinity}) cannot
 * be, and failed on such an array, which stopped WAL capture for good (the slot sends the same change again at each
 * restart). PostgreSQL's array text reads back into the buffer's {@code numeric[]} exactly, as the trigger's row.
 */
public final class WalNumericArrays implements CustomConverter<SchemaBuilder, RelationalColumn> {
    /** The name it is registered under in Debezium's settings. */
    static final String NAME = "trickle_numeric_arrays";

    @Override
    public void configure(Properties props) {
        // nothing to configure
    }

    @Override
    public void converterFor(RelationalColumn column, ConverterRegistration<SchemaBuilder> registration) {
        if ("_numeric".equals(column.typeName())) {
            registration.register(SchemaBuilder.string().optional(), WalNumericArrays::text);
        }
    }

    static Object text(Object v) {
        if (v == null || v instanceof String) {
            return v; // NULL, or Debezium's stand-in for an unchanged TOAST value
        } else if (v instanceof java.sql.Array) {
            return v.toString(); // pgJDBC's array keeps the text it was made from
        }
        throw new IllegalArgumentException("a numeric[] value arrived as " + v.getClass().getName()
                + ", which WAL capture cannot turn back into PostgreSQL's text: capture this table with triggers "
                + "(cdc_mode => 'trigger')");
    }
}
