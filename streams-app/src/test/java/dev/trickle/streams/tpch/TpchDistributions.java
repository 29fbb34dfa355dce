package dev.trickle.streams.tpch;

import java.time.LocalDate;
import java.util.List;
import java.util.Random;

/** The value lists and text rules of the TPC-H specification (clause 4.2.2 and 4.2.3) that the generator draws from. */
final class TpchDistributions {
    static final List<String> REGIONS = List.of("AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST");
    /** Nation names by key; {@link #NATION_REGION} gives each one's region key. */
    static final List<String> NATIONS = List.of("ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA",
            "FRANCE", "GERMANY", "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO",
            "MOZAMBIQUE", "PERU", "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM",
            "UNITED STATES");
    static final int[] NATION_REGION = {0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1};

    /** The 92 words of P_NAME. */
    static final List<String> COLORS = List.of("almond", "antique", "aquamarine", "azure", "beige", "bisque", "black",
            "blanched", "blue", "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate",
            "coral", "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick",
            "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew", "hot",
            "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta",
            "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo", "navy", "olive",
            "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red",
            "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow",
            "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "yellow");
    static final List<String> TYPE_1 = List.of("STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO");
    static final List<String> TYPE_2 = List.of("ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED");
    static final List<String> TYPE_3 = List.of("TIN", "NICKEL", "BRASS", "STEEL", "COPPER");
    static final List<String> CONTAINER_1 = List.of("SM", "LG", "MED", "JUMBO", "WRAP");
    static final List<String> CONTAINER_2 = List.of("CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM");
    static final List<String> SEGMENTS = List.of("AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD");
    static final List<String> PRIORITIES = List.of("1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW");
    static final List<String> INSTRUCTIONS = List.of("DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN");
    static final List<String> MODES = List.of("REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB");

    /** The text grammar's words (clause 4.2.2.10), flattened: comments are runs of these, cut to length. */
    private static final List<String> NOUNS = List.of("foxes", "ideas", "theodolites", "pinto beans", "instructions",
            "dependencies", "excuses", "platelets", "asymptotes", "courts", "dolphins", "multipliers", "sauternes",
            "warthogs", "frets", "dinos", "attainments", "somas", "Tiresias", "patterns", "forges", "braids", "frays",
            "warhorses", "dugouts", "notornis", "epitaphs", "pearls", "tithes", "waters", "orbits", "gifts", "sheaves",
            "depths", "sentiments", "decoys", "realms", "pains", "grouches", "escapades", "packages", "requests",
            "accounts", "deposits", "requests", "accounts", "packages", "deposits");
    private static final List<String> VERBS = List.of("sleep", "wake", "are", "cajole", "haggle", "nag", "use", "boost",
            "affix", "detect", "integrate", "maintain", "nod", "was", "lose", "sublate", "solve", "thrash", "promise",
            "engage", "hinder", "print", "x-ray", "breach", "eat", "grow", "impress", "mold", "poach", "serve", "run",
            "dazzle", "snooze", "doze", "unwind", "kindle", "play", "hang", "believe", "doubt");
    private static final List<String> ADJECTIVES = List.of("furious", "sly", "careful", "blithe", "quick", "fluffy",
            "slow", "quiet", "ruthless", "thin", "close", "dogged", "daring", "brave", "stealthy", "permanent",
            "enticing", "idle", "busy", "regular", "final", "ironic", "even", "bold", "silent", "special", "pending",
            "unusual", "express");
    private static final List<String> ADVERBS = List.of("sometimes", "always", "never", "furiously", "slyly",
            "carefully", "blithely", "quickly", "fluffily", "slowly", "quietly", "ruthlessly", "thinly", "closely",
            "doggedly", "daringly", "bravely", "stealthily", "permanently", "enticingly", "idly", "busily",
            "regularly", "finally", "ironically", "evenly", "boldly", "silently");
    private static final List<String> PREPOSITIONS = List.of("about", "above", "according to", "across", "after",
            "against", "along", "among", "around", "at", "atop", "before", "behind", "beneath", "beside", "between",
            "beyond", "by", "despite", "during", "except", "for", "from", "inside", "into", "near", "of", "on",
            "outside", "over", "past", "since", "through", "to", "toward", "under", "until", "upon", "with", "within");
    private static final List<String> TERMINATORS = List.of(".", ";", ":", "?", "!", "--");

    static final LocalDate START = LocalDate.of(1992, 1, 1);
    static final LocalDate END = LocalDate.of(1998, 12, 31);
    /** The spec's CURRENTDATE: line items received by then are returned or accepted, shipped after it are open. */
    static final LocalDate CURRENT = LocalDate.of(1995, 6, 17);

    private TpchDistributions() {
    }

    static String pick(Random r, List<String> values) {
        return values.get(r.nextInt(values.size()));
    }

    /**
     * A comment of {@code min..max} characters: sentences "adjective noun verb adverb preposition the
     * adjective noun", as in the spec's grammar, cut to length (so the last word may be cut short).
     */
    static String text(Random r, int min, int max) {
        int length = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder();
        while (b.length() < length) {
            b.append(pick(r, ADJECTIVES)).append(' ').append(pick(r, NOUNS)).append(' ').append(pick(r, VERBS))
                    .append(' ').append(pick(r, ADVERBS)).append(' ').append(pick(r, PREPOSITIONS)).append(" the ")
                    .append(pick(r, ADJECTIVES)).append(' ').append(pick(r, NOUNS)).append(pick(r, TERMINATORS)).append(' ');
        }
        return b.substring(0, length).strip();
    }

    /** A random string of letters, digits, commas and blanks (the spec's V-string), {@code min..max} long. */
    static String vstring(Random r, int min, int max) {
        String chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789, ";
        int length = min + r.nextInt(max - min + 1);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < length; i++) {
            b.append(chars.charAt(r.nextInt(chars.length())));
        }
        return b.toString().strip();
    }

    /** A phone number whose country code is the nation key plus 10 (what Q22 selects on). */
    static String phone(Random r, int nation) {
        return (nation + 10) + "-" + (100 + r.nextInt(900)) + "-" + (100 + r.nextInt(900)) + "-" + (1000 + r.nextInt(9000));
    }

    /** A name of the spec's form: the prefix and the key in nine digits. */
    static String keyName(String prefix, int key) {
        return String.format("%s#%09d", prefix, key);
    }
}
