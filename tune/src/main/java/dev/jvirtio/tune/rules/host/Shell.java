package dev.jvirtio.tune.rules.host;

/** Writes words into the shell commands that findings give as fixes. */
final class Shell {

    private Shell() {
    }

    /**
     * {@code word} as one shell word: unchanged when it holds only safe characters, else in single
     * quotes ({@code /srv/vm images} becomes {@code '/srv/vm images'}).
     */
    static String quote(String word) {
        if (!word.isEmpty() && word.matches("[A-Za-z0-9_./:=,+@%-]+")) {
            return word;
        }
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
