package dev.kiln.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The search bench's generated transcripts and the questions they answer, all from one seed. Most segments
 * are stories ("Greta Voss repaired the automobile in Ghent last week, before the meeting."); some come in
 * groups of eight near-duplicates that differ in one rare token only: a code ("Invoice KX-4471 for the
 * wardrobe was settled by Greta Voss on Monday." beside KX-4417, KX-7441, ...) or an unusual surname
 * ("Ines Brackholt ..." beside "Ines Brackmere ..."). Three kinds of question:
 *
 * <ul>
 *   <li>{@link Kind#PARAPHRASE}: a story asked back in other words ("Which car did Greta Voss fix in
 *       Ghent?"): only the name and the city are shared words; meaning has to find it.
 *   <li>{@link Kind#KEYWORD}: the words of a near-duplicate as typed into a search box ("Was invoice KX-4471
 *       settled?"): every word is in it, and only the rare token tells it from its group; words find it.
 *   <li>{@link Kind#MIXED}: a near-duplicate paraphrased but naming its rare token ("Did Greta Voss pay the
 *       bill KX-4471?"): neither words alone (not all are there) nor meaning alone (its group looks the same)
 *       suffices.
 * </ul>
 */
final class SearchCorpus {

    enum Kind {
        PARAPHRASE,
        KEYWORD,
        MIXED
    }

    /** A question and where its answer is: the transcript's number and the segment's. */
    record Question(Kind kind, String text, int doc, int segment) {}

    private static final String[] FIRST = {
        "Marlow", "Ines", "Tobias", "Greta", "Anselm", "Oona", "Bram", "Liesel", "Cyrus", "Petra", "Hugo", "Sabine",
        "Linus", "Mirela", "Otto", "Yara", "Felix", "Dagny", "Ruben", "Zora"
    };
    private static final String[] LAST = {
        "Quint", "Hadley", "Voss", "Okafor", "Brandt", "Lindqvist", "Marchetti", "Novak", "Serrano", "Takeda",
        "Weller", "Abara", "Castell", "Duarte", "Eklund", "Fairbairn", "Gorski", "Holm", "Ivers", "Jansen"
    };
    /** Unusual surnames are made of two parts: 400 of them, each in a few dozen segments at 100k. */
    private static final String[] RARE_HEAD = {
        "Brack", "Quill", "Thorn", "Vell", "Grum", "Hask", "Marl", "Pend", "Wex", "Zell", "Fosk", "Lurr", "Cobb",
        "Dray", "Ebb", "Gall", "Kemb", "Nott", "Rusk", "Tamb"
    };

    private static final String[] RARE_TAIL = {
        "wood", "holt", "mere", "ridge", "wick", "stone", "croft", "ley", "by", "thorpe", "combe", "worth", "field",
        "hurst", "dale", "ford", "ham", "well", "shaw", "more"
    };
    private static final String[] CITIES = {
        "Lisbon", "Ghent", "Tallinn", "Porto", "Bergen", "Graz", "Lyon", "Turin", "Krakow", "Aarhus", "Utrecht",
        "Seville"
    };
    private static final String[] DAYS = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"};
    /** A verb as said, and as a question asks it (no shared stem). */
    private static final String[][] VERBS = {
        {"repaired", "fix"},
        {"purchased", "buy"},
        {"sold", "get rid of"},
        {"painted", "put a new colour on"},
        {"borrowed", "lend"},
        {"cleaned", "wash"},
        {"delivered", "bring"},
        {"inspected", "check"},
        {"photographed", "take pictures of"},
        {"assembled", "put together"},
        {"damaged", "break"},
        {"returned", "give back"}
    };
    /** A thing as said, and as a question names it. */
    private static final String[][] NOUNS = {
        {"automobile", "car"},
        {"bicycle", "bike"},
        {"refrigerator", "fridge"},
        {"piano", "keyboard instrument"},
        {"rowing boat", "small vessel"},
        {"wardrobe", "closet"},
        {"telescope", "stargazing device"},
        {"laptop", "notebook computer"},
        {"sofa", "couch"},
        {"lantern", "lamp"},
        {"ladder", "steps"},
        {"wheelbarrow", "garden cart"},
        {"kettle", "pot for boiling water"},
        {"violin", "fiddle"}
    };
    /** A kind of record, what happened to it, and both again as a question puts them. */
    private static final String[][] RECORDS = {
        {"Invoice", "settled", "bill", "pay"},
        {"Order", "shipped", "purchase", "send out"},
        {"Ticket", "closed", "support request", "resolve"},
        {"Shipment", "delayed", "consignment", "hold up"},
        {"Contract", "renewed", "agreement", "extend"},
        {"Claim", "approved", "insurance request", "accept"}
    };
    /** Code prefixes: consonants only, so a prefix is never an English word. */
    private static final String LETTERS = "BCDFGHJKLMNPQRSTVWXZ";

    /** Near-duplicates in a group (more than a top 5 holds), and where groups start: every 25 segments from the 8th. */
    static final int GROUP = 8;

    private static final int GROUP_EVERY = 25;
    private static final int GROUP_FROM = 8;

    private final Random random;
    private final Map<Kind, List<Question>> candidates = new EnumMap<>(Kind.class);

    SearchCorpus(long seed) {
        this.random = new Random(seed);
        for (Kind kind : Kind.values()) {
            candidates.put(kind, new ArrayList<>());
        }
    }

    /** Transcript {@code doc}'s segments (they must be asked for in order, 0, 1, ...); notes their questions. */
    List<String> transcript(int doc, int segments) {
        List<String> said = new ArrayList<>(segments);
        int groups = 0;
        while (said.size() < segments) {
            int s = said.size();
            if (s % GROUP_EVERY == GROUP_FROM && s + GROUP <= segments) {
                if ((doc + groups++) % 2 == 0) {
                    codes(doc, s, said);
                } else {
                    surnames(doc, s, said);
                }
            } else {
                story(doc, s, said);
            }
        }
        return said;
    }

    /** {@code count} questions, a third of each kind, drawn from every transcript made so far with this seed. */
    List<Question> questions(int count, long seed) {
        Random draw = new Random(seed);
        List<Question> asked = new ArrayList<>();
        Kind[] kinds = Kind.values();
        for (int k = 0; k < kinds.length; k++) {
            List<Question> pool = new ArrayList<>(candidates.get(kinds[k]));
            int n = count / kinds.length + (k < count % kinds.length ? 1 : 0);
            for (int i = 0; i < n && !pool.isEmpty(); i++) {
                asked.add(pool.remove(draw.nextInt(pool.size())));
            }
        }
        return asked;
    }

    private void story(int doc, int s, List<String> said) {
        String name = pick(FIRST) + " " + pick(LAST);
        String[] verb = VERBS[random.nextInt(VERBS.length)];
        String[] noun = NOUNS[random.nextInt(NOUNS.length)];
        String city = pick(CITIES);
        said.add(name + " " + verb[0] + " the " + noun[0] + " in " + city + " last week, before the meeting.");
        note(Kind.PARAPHRASE, "Which " + noun[1] + " did " + name + " " + verb[1] + " in " + city + "?", doc, s);
    }

    /** Records alike but for their codes' digits, which are the same four in another order. */
    private void codes(int doc, int s, List<String> said) {
        String[] record = RECORDS[random.nextInt(RECORDS.length)];
        String noun = NOUNS[random.nextInt(NOUNS.length)][0];
        String name = pick(FIRST) + " " + pick(LAST);
        String day = pick(DAYS);
        String prefix = "" + LETTERS.charAt(random.nextInt(LETTERS.length()))
                + LETTERS.charAt(random.nextInt(LETTERS.length()));
        List<String> codes = digits();
        for (int i = 0; i < GROUP; i++) {
            String code = prefix + "-" + codes.get(i);
            said.add(record[0] + " " + code + " for the " + noun + " was " + record[1] + " by " + name + " on " + day
                    + ".");
            note(
                    Kind.KEYWORD,
                    "Was " + record[0].toLowerCase(Locale.ROOT) + " " + code + " " + record[1] + "?",
                    doc,
                    s + i);
            note(Kind.MIXED, "Did " + name + " " + record[3] + " the " + record[2] + " " + code + "?", doc, s + i);
        }
    }

    /** Stories alike but for the speaker's unusual surname. */
    private void surnames(int doc, int s, List<String> said) {
        String first = pick(FIRST);
        String[] verb = VERBS[random.nextInt(VERBS.length)];
        String[] noun = NOUNS[random.nextInt(NOUNS.length)];
        String city = pick(CITIES);
        List<String> names = new ArrayList<>();
        while (names.size() < GROUP) {
            String name = pick(RARE_HEAD) + pick(RARE_TAIL);
            if (!names.contains(name)) {
                names.add(name);
            }
        }
        for (int i = 0; i < GROUP; i++) {
            String name = first + " " + names.get(i);
            said.add(name + " " + verb[0] + " the " + noun[0] + " in " + city + " last week, before the meeting.");
            note(Kind.KEYWORD, name + " " + verb[0] + " the " + noun[0], doc, s + i);
            note(Kind.MIXED, "Which " + noun[1] + " did " + name + " " + verb[1] + " in " + city + "?", doc, s + i);
        }
    }

    /** Different orders of four different digits (the first never 0), one per member of a group. */
    private List<String> digits() {
        List<Character> pool = new ArrayList<>(List.of('0', '1', '2', '3', '4', '5', '6', '7', '8', '9'));
        StringBuilder four = new StringBuilder();
        while (four.length() < 4) {
            four.append(pool.remove(random.nextInt(pool.size())));
        }
        List<String> orders = new ArrayList<>();
        while (orders.size() < GROUP) {
            List<Character> chars = new ArrayList<>();
            four.chars().forEach(c -> chars.add((char) c));
            Collections.shuffle(chars, random);
            StringBuilder order = new StringBuilder();
            chars.forEach(order::append);
            if (order.charAt(0) != '0' && !orders.contains(order.toString())) {
                orders.add(order.toString());
            }
        }
        return orders;
    }

    private void note(Kind kind, String question, int doc, int segment) {
        candidates.get(kind).add(new Question(kind, question, doc, segment));
    }

    private String pick(String[] words) {
        return words[random.nextInt(words.length)];
    }
}
