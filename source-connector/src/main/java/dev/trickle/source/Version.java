package dev.trickle.source;

/** The version Connect reports for the connector and its task (the release of the catalog it installs). */
public final class Version {
    public static final String VERSION = "0.4.0";

    private Version() {
    }
}
