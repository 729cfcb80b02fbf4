package dev.kiln.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.impl.Constraint;

/**
 * Generators of what hostile or careless clients send: JSON (valid and broken, deep, huge
 * numbers, any Unicode, wrong types), header values, query strings, tus headers. Every choice is
 * drawn from the {@link RandomnessSource}, so a failure shrinks and replays from its seed.
 */
final class Inputs {

    /** Characters a careless client produces: plain, quoting, control, Latin-1, CJK, emoji, lone surrogates. */
    private static final String[] ALPHABETS = {
        "abcxyzABC019", "-_.~ /\\", "\"'`{}[]<>:,;=&?#%+", "\u0000\u0001\u001f\t\u007f",
        "éßüñ\u00a0\u00ad", "日本語\u202e\u200b", "\uD83D\uDE00\uD83C\uDFB5", "\uD800\uDFFF"
    };

    private static final List<String> FIELDS = List.of(
            "type",
            "input",
            "fileId",
            "params",
            "priority",
            "name",
            "role",
            "partials",
            "text",
            "jobs",
            "id",
            "after",
            "mine",
            "token",
            "url",
            "events",
            "callbackUrl",
            "__proto__",
            "");

    private Inputs() {}

    static int below(RandomnessSource in, int bound) {
        return (int) in.next(Constraint.between(0, bound - 1));
    }

    static <T> T pick(RandomnessSource in, List<T> options) {
        return options.get(below(in, options.size()));
    }

    @SafeVarargs
    static <T> T pick(RandomnessSource in, T... options) {
        return options[below(in, options.length)];
    }

    static boolean chance(RandomnessSource in, int percent) {
        return below(in, 100) < percent;
    }

    /** Random text up to {@code max} UTF-16 units, mixing the alphabets above. */
    static String text(RandomnessSource in, int max) {
        int length = below(in, max + 1);
        StringBuilder out = new StringBuilder();
        String alphabet = pick(in, ALPHABETS);
        while (out.length() < length) {
            if (chance(in, 10)) {
                alphabet = pick(in, ALPHABETS);
            }
            int at = below(in, alphabet.length());
            char c = alphabet.charAt(at);
            // Keep surrogate pairs of the emoji alphabet together; the lone-surrogate one stays lone.
            if (Character.isHighSurrogate(c)
                    && at + 1 < alphabet.length()
                    && Character.isLowSurrogate(alphabet.charAt(at + 1))
                    && !alphabet.startsWith("\uD800")) {
                out.append(c).append(alphabet.charAt(at + 1));
            } else if (!Character.isLowSurrogate(c) || alphabet.startsWith("\uD800")) {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Printable ASCII only: what an HTTP header or URL can carry as is. */
    static String visible(RandomnessSource in, int max) {
        int length = below(in, max + 1);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append((char) in.next(Constraint.between(0x21, 0x7e)));
        }
        return out.toString();
    }

    /** A header value: visible ASCII, spaces and tabs, or bytes 0x80–0xFF (obs-text, which includes C1 controls). */
    static String headerValue(RandomnessSource in, int max) {
        int length = below(in, max + 1);
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            char c = switch (below(in, 10)) {
                case 0 -> (char) in.next(Constraint.between(0x80, 0xff));
                case 1 -> below(in, 2) == 0 ? ' ' : '\t';
                default -> (char) in.next(Constraint.between(0x21, 0x7e));
            };
            out.append(c);
        }
        return out.toString();
    }

    /** A JSON string literal of {@code raw}, control characters and lone surrogates escaped. */
    static String quote(String raw) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20
                    || Character.isSurrogate(c)
                            && !(Character.isHighSurrogate(c)
                                    && i + 1 < raw.length()
                                    && Character.isLowSurrogate(raw.charAt(i + 1)))
                            && !(Character.isLowSurrogate(c)
                                    && i > 0
                                    && Character.isHighSurrogate(raw.charAt(i - 1)))) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.append('"').toString();
    }

    /** A number as JSON writes it, from ordinary to absurd. */
    static String number(RandomnessSource in) {
        return switch (below(in, 8)) {
            case 0 -> Long.toString(in.next(Constraint.between(-200, 200)));
            case 1 -> Long.toString(in.next(Constraint.none()));
            case 2 -> "1" + "0".repeat(below(in, 150)); // past every integer type, sometimes past the length bound
            case 3 -> "-0.0";
            case 4 -> pick(in, "1e308", "1e309", "-1e-400", "4.9e-324", "1.5", "2.0", "1E2");
            case 5 -> "0." + "9".repeat(below(in, 120));
            case 6 -> Integer.toString(Integer.MAX_VALUE) + pick(in, "", "0", "1");
            default -> Long.toString(in.next(Constraint.between(0, 10)));
        };
    }

    /** Any JSON value, nested up to {@code depth}; keys are often ones Kiln knows. */
    static String value(RandomnessSource in, int depth) {
        int kind = below(in, depth > 0 ? 8 : 5);
        return switch (kind) {
            case 0 -> "null";
            case 1 -> pick(in, "true", "false");
            case 2 -> number(in);
            case 3, 4 -> quote(text(in, 20));
            case 5, 6 -> object(in, depth - 1);
            default -> {
                List<String> items = new ArrayList<>();
                int n = below(in, 4);
                for (int i = 0; i < n; i++) {
                    items.add(value(in, depth - 1));
                }
                yield "[" + String.join(",", items) + "]";
            }
        };
    }

    static String object(RandomnessSource in, int depth) {
        List<String> members = new ArrayList<>();
        int n = below(in, 4);
        for (int i = 0; i < n; i++) {
            String key = chance(in, 70) ? pick(in, FIELDS) : text(in, 12);
            members.add(quote(key) + ":" + value(in, Math.max(0, depth)));
        }
        return "{" + String.join(",", members) + "}";
    }

    /** Nested arrays or objects {@code levels} deep: around the server's bound of 32. */
    static String deep(RandomnessSource in) {
        int levels = pick(in, 31, 32, 33, 100, 5000);
        return chance(in, 50)
                ? "[".repeat(levels) + "]".repeat(levels)
                : "{\"a\":".repeat(levels) + "1" + "}".repeat(levels);
    }

    /** Valid JSON made invalid: cut short, a byte flipped in, garbage after. */
    static String broken(RandomnessSource in, String json) {
        return switch (below(in, 4)) {
            case 0 -> json.substring(0, below(in, json.length() + 1));
            case 1 -> {
                int at = below(in, json.length() + 1);
                yield json.substring(0, at)
                        + pick(in, "\"", "{", "]", ",", ":", "\\", "\u0000", "'", "NaN")
                        + json.substring(at);
            }
            case 2 -> json + pick(in, " x", "}", ",", " {}", "\n\n\u0000");
            default ->
                pick(
                        in,
                        "",
                        " ",
                        "nul",
                        "tru",
                        "{'a':1}",
                        "{\"a\" 1}",
                        "[1,]",
                        "{,}",
                        "0x10",
                        "+1",
                        ".5",
                        "\"\\x41\"",
                        "\"\\ud800\"",
                        "\ufeff{}",
                        "/* c */ {}",
                        "{\"a\":1}{\"b\":2}");
        };
    }

    /** A body for POST /api/v1/jobs: mostly job-shaped with bad parts, sometimes anything at all. */
    static Gen<String> jobBodies(String fileId) {
        return in -> switch (below(in, 6)) {
            case 0, 1 -> job(in, fileId);
            case 2 -> broken(in, job(in, fileId));
            case 3 -> value(in, 3);
            case 4 -> deep(in);
            default -> object(in, 3);
        };
    }

    /** Batch bodies: mostly well-formed, with files that are, are not, or are not ids of the fuzzer's. */
    static Gen<String> batchBodies(String fileId) {
        return in -> switch (below(in, 5)) {
            case 0, 1 -> batch(in, fileId);
            case 2 -> broken(in, batch(in, fileId));
            case 3 -> deep(in);
            default -> object(in, 3);
        };
    }

    private static String batch(RandomnessSource in, String fileId) {
        List<String> members = new ArrayList<>();
        if (chance(in, 90)) {
            members.add("\"type\":" + pick(in, "\"test-noop\"", "\"test-wav\"", "\"nope\"", "5", "null"));
        }
        if (chance(in, 90)) {
            List<String> files = new ArrayList<>();
            for (int i = below(in, 4); i > 0; i--) {
                files.add(pick(
                        in, quote(fileId), quote("file_" + "a".repeat(26)), quote(text(in, 40)), "5", "null", "{}"));
            }
            members.add("\"files\":" + pick(in, "[" + String.join(",", files) + "]", "{}", "\"" + fileId + "\""));
        }
        if (chance(in, 30)) {
            members.add("\"params\":" + pick(in, "{}", "{\"x\":1}", "[]", "null"));
        }
        if (chance(in, 30)) {
            members.add("\"name\":" + pick(in, quote(text(in, 300)), "\"\"", "5"));
        }
        if (chance(in, 10)) {
            members.add(quote(text(in, 10)) + ":1");
        }
        return "{" + String.join(",", members) + "}";
    }

    private static String job(RandomnessSource in, String fileId) {
        List<String> members = new ArrayList<>();
        if (chance(in, 90)) {
            members.add("\"type\":"
                    + pick(
                            in,
                            "\"test-noop\"",
                            "\"test-echo\"",
                            "\"\"",
                            "\"TEST-NOOP\"",
                            "\"nope\"",
                            "5",
                            "null",
                            "[]",
                            "{}",
                            quote(text(in, 300))));
        }
        if (chance(in, 90)) {
            members.add("\"input\":"
                    + pick(
                            in,
                            "{\"fileId\":\"" + fileId + "\"}",
                            "{\"fileId\":\"" + fileId + "\"}",
                            "{\"fileId\":" + quote(text(in, 40)) + "}",
                            "{\"fileId\":7}",
                            "{}",
                            "\"" + fileId + "\"",
                            "[]",
                            "null",
                            "{\"fileId\":\"" + fileId + "\",\"extra\":1}"));
        }
        if (chance(in, 60)) {
            members.add("\"params\":"
                    + (chance(in, 50)
                            ? "{\"partials\":" + pick(in, "0", "1", "-1", "1001", "1.5", "\"2\"", number(in))
                                    + ",\"text\":" + pick(in, quote(text(in, 120)), "5", "null") + "}"
                            : value(in, 3)));
        }
        if (chance(in, 50)) {
            members.add("\"priority\":"
                    + pick(
                            in,
                            "0",
                            "-100",
                            "-101",
                            "1",
                            "100",
                            "101",
                            "2147483648",
                            "1.5",
                            "\"0\"",
                            "true",
                            "null",
                            "1e2",
                            number(in)));
        }
        if (chance(in, 20)) {
            members.add("\"callbackUrl\":" + url(in));
        }
        if (chance(in, 15)) {
            members.add(quote(pick(in, FIELDS)) + ":" + value(in, 2));
        }
        return "{" + String.join(",", members) + "}";
    }

    /**
     * A URL for a webhook or a callback: the one the fuzzer's Kiln allows ({@code 127.0.0.1:9}, nothing
     * listens and that Kiln sends nothing), addresses it must refuse, and things that are no URL.
     */
    static String url(RandomnessSource in) {
        return pick(
                in,
                "\"http://127.0.0.1:9/hook\"",
                "\"http://127.0.0.1:9/hook?x=1&y=%20\"",
                "\"http://127.0.0.1:10/other-port\"",
                "\"http://localhost:9/\"",
                "\"http://[::1]:9/\"",
                "\"http://[::ffff:127.0.0.1]:9/\"",
                "\"http://169.254.169.254/latest/meta-data/\"",
                "\"http://[fd00:ec2::254]/\"",
                "\"http://10.0.0.1/\"",
                "\"http://0x7f000001/\"",
                "\"http://2130706433/\"",
                "\"https://user:pw@127.0.0.1:9/\"",
                "\"http://127.0.0.1:9/#frag\"",
                "\"ftp://127.0.0.1:9/\"",
                "\"file:///etc/passwd\"",
                "\"http://\"",
                "\"http://127.0.0.1:99999/\"",
                "\"//127.0.0.1:9/\"",
                "\"http://xn--nxasmq6b.invalid/\"",
                quote("http://" + text(in, 40) + "/"),
                quote(text(in, 60)),
                quote("http://127.0.0.1:9/" + "a".repeat(below(in, 3000))),
                "\"\"",
                "5",
                "null",
                "[]",
                "{}");
    }

    /** A body for POST /api/v1/webhooks: mostly webhook-shaped with bad parts, sometimes anything. */
    static Gen<String> webhookBodies() {
        return in -> switch (below(in, 5)) {
            case 0, 1 -> {
                List<String> members = new ArrayList<>();
                if (chance(in, 90)) {
                    members.add("\"url\":" + url(in));
                }
                if (chance(in, 50)) {
                    members.add("\"events\":"
                            + pick(
                                    in,
                                    "[\"job.succeeded\"]",
                                    "[\"job.failed\",\"job.cancelled\",\"job.failed\"]",
                                    "[]",
                                    "[\"job.exploded\"]",
                                    "[5]",
                                    "\"job.succeeded\"",
                                    "null",
                                    "[" + quote(text(in, 20)) + "]"));
                }
                if (chance(in, 40)) {
                    members.add("\"processors\":"
                            + pick(
                                    in,
                                    "[\"test-echo\"]",
                                    "[\"Test Echo\"]",
                                    "[]",
                                    "null",
                                    "\"test-echo\"",
                                    "[" + quote(text(in, 70)) + "]",
                                    "[" + "\"a\",".repeat(60) + "\"a\"]"));
                }
                if (chance(in, 30)) {
                    members.add("\"description\":" + pick(in, quote(text(in, 80)), quote(text(in, 400)), "7", "null"));
                }
                if (chance(in, 10)) {
                    members.add(quote(pick(in, FIELDS)) + ":" + value(in, 2));
                }
                yield "{" + String.join(",", members) + "}";
            }
            case 2 -> broken(in, "{\"url\":\"http://127.0.0.1:9/hook\",\"events\":[\"job.failed\"]}");
            case 3 -> deep(in);
            default -> value(in, 3);
        };
    }

    /** A body for PUT /api/v1/worker/processors/{name}: declaration-shaped with bad parts, or anything. */
    static Gen<String> declarationBodies() {
        return in -> switch (below(in, 5)) {
            case 0, 1 -> declaration(in);
            case 2 -> broken(in, declaration(in));
            case 3 -> value(in, 3);
            default -> object(in, 3);
        };
    }

    private static String declaration(RandomnessSource in) {
        List<String> members = new ArrayList<>();
        if (chance(in, 90)) {
            members.add("\"accepts\":"
                    + pick(
                            in,
                            "[\"none\"]",
                            "[\"text/plain\"]",
                            "[\"audio/*\",\"*/*\"]",
                            "[\"none\",\"text/plain\"]",
                            "[]",
                            "[\"text\"]",
                            "\"none\"",
                            "[5]",
                            "[" + quote(text(in, 120)) + "]"));
        }
        if (chance(in, 60)) {
            members.add("\"params\":"
                    + pick(
                            in,
                            "{\"type\":\"object\"}",
                            "{\"type\":\"object\",\"properties\":{\"n\":{\"type\":\"integer\",\"minimum\":1}}}",
                            "{\"type\":12}",
                            "{\"type\":\"string\"}",
                            "{\"$ref\":\"http://127.0.0.1:1/s.json\"}",
                            "{\"$ref\":\"#/$defs/x\"}",
                            "{\"$schema\":\"http://json-schema.org/draft-04/schema#\"}",
                            "{\"properties\":{\"a\":{\"pattern\":\"[\"}}}",
                            "true",
                            value(in, 3)));
        }
        if (chance(in, 50)) {
            members.add("\"limits\":{\"maxAttempts\":"
                    + pick(in, "1", "0", "101", "-1", "1.5", "\"3\"", number(in)) + ",\"timeoutSeconds\":"
                    + pick(in, "60", "0", "99999999999", "null", number(in)) + "}");
        }
        if (chance(in, 30)) {
            members.add("\"description\":" + pick(in, quote(text(in, 600)), "5", "null"));
        }
        if (chance(in, 15)) {
            members.add(pick(in, "\"shape\":\"transcript\"", "\"resultFormats\":[\"srt\"]", "\"x\":1"));
        }
        return "{" + String.join(",", members) + "}";
    }

    /**
     * A body for a worker's call about a job ({@code heartbeat}, {@code progress}, {@code partials},
     * {@code complete}, {@code fail}, {@code release}) or a claim: the fields of all, well- and ill-formed.
     */
    /** Bodies of the batched worker calls (heartbeat, complete, fail): lists of {id, lease, …} items. */
    static Gen<String> workerBatchBodies(String lease, String... jobIds) {
        return in -> {
            if (chance(in, 15)) {
                return chance(in, 50) ? broken(in, "{\"items\":[]}") : value(in, 3);
            }
            List<String> items = new ArrayList<>();
            int n = (int) in.next(Constraint.between(0, 4));
            for (int i = 0; i < n; i++) {
                List<String> members = new ArrayList<>();
                if (chance(in, 90)) {
                    members.add(
                            "\"id\":" + pick(in, "\"" + pick(in, jobIds) + "\"", "5", "null", quote(text(in, 120))));
                }
                if (chance(in, 90)) {
                    members.add("\"lease\":" + pick(in, "\"" + lease + "\"", "\"\"", "[]", quote(text(in, 250))));
                }
                if (chance(in, 30)) {
                    members.add("\"result\":" + value(in, 3));
                }
                if (chance(in, 30)) {
                    members.add("\"code\":" + pick(in, "\"gpu_oom\"", "\"Bad Code\"", "\"\"", quote(text(in, 80))));
                    members.add("\"message\":" + pick(in, "\"m\"", "\"\"", "5", quote(text(in, 2100))));
                }
                if (chance(in, 15)) {
                    members.add("\"retryable\":" + pick(in, "true", "\"no\"", "1"));
                }
                items.add(chance(in, 10) ? value(in, 2) : "{" + String.join(",", members) + "}");
            }
            String list = "[" + String.join(",", items) + "]";
            List<String> members = new ArrayList<>();
            if (chance(in, 85)) {
                members.add("\"" + pick(in, "items", "jobs") + "\":" + (chance(in, 10) ? value(in, 2) : list));
            }
            if (chance(in, 30)) {
                // Never a valid wait above 0: a fuzzed heartbeat must not hold the run up.
                members.add("\"waitSeconds\":" + pick(in, "0", "-1", "26", "\"1\"", "1.5"));
            }
            if (chance(in, 20)) {
                members.add("\"cancelsSeen\":" + pick(in, "[]", "[5]", "{}", "[\"" + pick(in, jobIds) + "\"]"));
            }
            return "{" + String.join(",", members) + "}";
        };
    }

    static Gen<String> workerCallBodies(String lease, String processor) {
        return in -> {
            if (chance(in, 20)) {
                return chance(in, 50) ? broken(in, "{\"lease\":\"" + lease + "\"}") : value(in, 3);
            }
            List<String> members = new ArrayList<>();
            if (chance(in, 85)) {
                members.add("\"lease\":" + pick(in, "\"" + lease + "\"", "\"\"", "5", "null", quote(text(in, 300))));
            }
            if (chance(in, 40)) {
                members.add("\"progress\":" + pick(in, "0.5", "-0.1", "1.01", "\"0.5\"", "NaN", number(in)));
            }
            if (chance(in, 30)) {
                members.add("\"stage\":" + pick(in, quote(text(in, 300)), "5"));
            }
            if (chance(in, 30)) {
                members.add("\"items\":" + pick(in, "[]", "[1,{\"a\":2}]", "{}", "[" + quote(text(in, 200)) + "]"));
            }
            if (chance(in, 30)) {
                members.add("\"code\":" + pick(in, "\"gpu_oom\"", "\"Bad Code\"", "\"\"", quote(text(in, 80))));
                members.add("\"message\":" + pick(in, "\"m\"", "\"\"", "5", quote(text(in, 2100))));
            }
            if (chance(in, 20)) {
                members.add("\"retryable\":" + pick(in, "true", "\"no\"", "1"));
            }
            if (chance(in, 30)) {
                members.add("\"waitSeconds\":" + pick(in, "0", "-1", "31", "\"1\"", "1.5"));
            }
            if (chance(in, 30)) {
                members.add("\"worker\":" + pick(in, "\"w/1\"", "\"\"", "5", quote(text(in, 150))));
                members.add("\"processors\":"
                        + pick(in, "[\"" + processor + "\"]", "[]", "[\"nope\"]", "\"" + processor + "\"", "[5]"));
                members.add("\"max\":" + pick(in, "1", "0", "65", "\"2\"", number(in)));
            }
            if (chance(in, 20)) {
                members.add("\"result\":" + value(in, 3));
            }
            return "{" + String.join(",", members) + "}";
        };
    }

    /** A body for PATCH /api/v1/jobs/{id}/result: {@code {"edits": [{segment, version, text?, speaker?, restore?}]}}. */
    static Gen<String> editBodies() {
        return in -> switch (below(in, 5)) {
            case 0, 1, 2 -> {
                List<String> edits = new ArrayList<>();
                int count = pick(in, 1, 1, 2, 0);
                for (int i = 0; i < count; i++) {
                    edits.add(edit(in));
                }
                yield "{\"edits\":[" + String.join(",", edits) + "]}";
            }
            case 3 -> broken(in, "{\"edits\":[{\"segment\":0,\"version\":0,\"text\":\"x\"}]}");
            default -> value(in, 3);
        };
    }

    private static String edit(RandomnessSource in) {
        List<String> members = new ArrayList<>();
        if (chance(in, 90)) {
            members.add("\"segment\":" + pick(in, "0", "1", "2", "3", "-1", "\"0\"", "null", number(in)));
        }
        if (chance(in, 90)) {
            members.add("\"version\":" + pick(in, "0", "1", "2", "-1", "1.5", "\"0\"", number(in)));
        }
        if (chance(in, 70)) {
            members.add("\"text\":"
                    + pick(in, quote(text(in, 60)), "\"\"", "null", "5", quote("x".repeat(20_001)), "[\"a\"]"));
        }
        if (chance(in, 30)) {
            members.add("\"speaker\":" + pick(in, quote(text(in, 20)), "\"\"", "\" \"", "7", quote("s".repeat(101))));
        }
        if (chance(in, 20)) {
            members.add("\"restore\":" + pick(in, "true", "false", "\"yes\"", "1"));
        }
        if (chance(in, 10)) {
            members.add(quote(pick(in, FIELDS)) + ":" + value(in, 2));
        }
        return "{" + String.join(",", members) + "}";
    }

    /** A body for POST /api/v1/admin/users. */
    static Gen<String> userBodies() {
        return in -> switch (below(in, 5)) {
            case 0, 1 -> {
                List<String> members = new ArrayList<>();
                if (chance(in, 90)) {
                    members.add("\"name\":"
                            + pick(
                                    in,
                                    quote("fuzz-" + visible(in, 8).replaceAll("[^A-Za-z0-9]", "")),
                                    quote(text(in, 70)),
                                    "\"\"",
                                    "\"a/b\"",
                                    "5",
                                    "null",
                                    quote("x".repeat(65)),
                                    "[\"a\"]"));
                }
                if (chance(in, 60)) {
                    members.add("\"role\":"
                            + pick(
                                    in,
                                    "\"member\"",
                                    "\"admin\"",
                                    "\"root\"",
                                    "\"ADMIN\"",
                                    "\"\"",
                                    "1",
                                    "null",
                                    "[\"admin\"]"));
                }
                if (chance(in, 15)) {
                    members.add(quote(pick(in, FIELDS)) + ":" + value(in, 2));
                }
                yield "{" + String.join(",", members) + "}";
            }
            case 2 -> broken(in, "{\"name\":\"fuzz\",\"role\":\"member\"}");
            case 3 -> deep(in);
            default -> value(in, 3);
        };
    }

    /** Bodies for a new token ({@code {label?, expiresAt?}}) and for signing in ({@code {token}}). */
    static Gen<String> tokenBodies() {
        return in -> switch (below(in, 5)) {
            case 0, 1 -> {
                List<String> members = new ArrayList<>();
                if (chance(in, 60)) {
                    members.add("\"label\":"
                            + pick(in, quote(text(in, 20)), quote(text(in, 120)), "\"\"", "7", "null", "[\"a\"]"));
                }
                if (chance(in, 60)) {
                    members.add("\"expiresAt\":"
                            + pick(
                                    in,
                                    "\"2001-01-01T00:00:00Z\"",
                                    "\"9999-12-31T23:59:59Z\"",
                                    "\"2030-02-30T00:00:00Z\"",
                                    "\"tomorrow\"",
                                    "\"\"",
                                    "0",
                                    "-1",
                                    "1e309",
                                    "null",
                                    quote(text(in, 30))));
                }
                if (chance(in, 30)) {
                    members.add("\"token\":"
                            + pick(in, quote("kiln_" + visible(in, 52)), quote(text(in, 60)), "\"\"", "1", "null"));
                }
                if (chance(in, 15)) {
                    members.add(quote(pick(in, FIELDS)) + ":" + value(in, 2));
                }
                yield "{" + String.join(",", members) + "}";
            }
            case 2 -> broken(in, "{\"label\":\"cli\",\"expiresAt\":\"2030-01-01T00:00:00Z\"}");
            case 3 -> deep(in);
            default -> value(in, 3);
        };
    }

    /** A query string of known and unknown parameters with odd values, as a URL may legally carry it. */
    static String query(RandomnessSource in) {
        List<String> pairs = new ArrayList<>();
        int n = below(in, 4);
        for (int i = 0; i < n; i++) {
            String key = chance(in, 80)
                    ? pick(
                            in, "limit", "cursor", "state", "type", "after", "wait", "format", "expires", "sig", "name",
                            "q", "mode", "owner")
                    : encode(text(in, 6));
            String value = key.equals("wait")
                    ? pick(in, "-1", "0", "31", "9999", "soon", "", "1.5")
                    : switch (below(in, 7)) {
                        case 0 -> number(in);
                        case 1 -> "";
                        case 2 -> encode(text(in, 30));
                        case 3 -> pick(in, "%", "%z", "%zz", "%e9", "%00", "%ff%fe", "%C0%AF", "+", "..%2F..");
                        case 4 ->
                            pick(
                                    in,
                                    "queued",
                                    "running",
                                    "succeeded",
                                    "json",
                                    "txt",
                                    "srt",
                                    "test-noop",
                                    "NOPE",
                                    "text",
                                    "hybrid",
                                    "semantic");
                        case 5 -> visible(in, 20).replaceAll("[^A-Za-z0-9._~!$'()*+,;:@/?-]", "");
                        default -> Long.toString(in.next(Constraint.none()));
                    };
            pairs.add(chance(in, 10) ? key : key + "=" + value);
        }
        return String.join(chance(in, 90) ? "&" : ";", pairs);
    }

    /** Percent-encodes the UTF-8 of {@code text} (lone surrogates become '?', as Java encodes them). */
    static String encode(String text) {
        StringBuilder out = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return out.toString();
    }

    static String base64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    /** An Upload-Metadata header: valid pairs, a processor with odd params, or broken syntax. */
    static String metadata(RandomnessSource in) {
        return switch (below(in, 6)) {
            case 0 -> "filename " + base64(text(in, 40));
            case 1 ->
                "processor " + base64(pick(in, "test-noop", "test-echo", "nope", "")) + ",params "
                        + base64(chance(in, 50) ? value(in, 3) : deep(in))
                        + (chance(in, 50) ? ",priority " + base64(number(in)) : "");
            case 2 -> "params " + base64("{}");
            case 3 ->
                pick(
                        in,
                        "filename",
                        "filename !!!",
                        "filename a,filename b",
                        ",",
                        " ",
                        "k" + "e".repeat(70) + " YQ==",
                        "filename " + base64("x".repeat(4000)),
                        "a b c");
            case 4 -> "processor " + base64("test-noop") + ",params " + base64(broken(in, "{\"partials\":1}"));
            default -> headerValue(in, 60);
        };
    }
}
