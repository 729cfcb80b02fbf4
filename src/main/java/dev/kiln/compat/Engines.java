package dev.kiln.compat;

import dev.kiln.processors.Processor;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.support.Texts;
import dev.kiln.transcribe.LanguageCodes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The transcription engines this node offers: the models the {@code transcribe} processor takes (its
 * {@code model} param), each with the language it transcribes where the processor tells it. OpenAI's
 * {@code whisper-1} names the default, so clients that hard-code it work.
 */
@Component
class Engines {

    static final String PROCESSOR = "transcribe";
    static final String ALIAS = "whisper-1";
    /** A language code, optionally with subtags ({@code en}, {@code en-US}); its first must be {@link #CODES}' own. */
    private static final Pattern LANGUAGE = Pattern.compile("[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*");
    /** ISO 639-1, and the codes Whisper has where it has none or another (Hawaiian, Cantonese, Javanese's jw). */
    private static final Set<String> CODES = codes();

    /**
     * @param language the language it transcribes, an IETF tag such as {@code en-us}; null when unknown
     * @param remote   whether it is a remote engine, which takes the spoken language as a hint
     */
    record Engine(String name, String language, boolean remote) {

        /** Whether it transcribes {@code requested} (an ISO 639-1 code or a tag); an unknown language matches nothing. */
        boolean speaks(String requested) {
            return language != null && LanguageCodes.primary(language).equals(LanguageCodes.primary(requested));
        }
    }

    private final ProcessorCatalogue processors;

    Engines(ProcessorCatalogue processors) {
        this.processors = processors;
    }

    /** Every engine, the default first. */
    List<Engine> all() {
        Processor transcribe = transcribe();
        Map<String, Object> model = schemaOfModel(transcribe);
        Object names = model.get("enum");
        Object fallback = model.get("default");
        Map<String, Object> details = transcribe.details(); // lists the models directory: read once
        Map<String, String> languages = languages(details);
        List<String> remote = remote(details);
        List<Engine> engines = new ArrayList<>();
        if (fallback != null) {
            engines.add(new Engine(
                    fallback.toString(), languages.get(fallback.toString()), remote.contains(fallback.toString())));
        }
        if (names instanceof List<?> list) {
            for (Object name : list) {
                if (!name.toString().equals(String.valueOf(fallback))) {
                    engines.add(new Engine(
                            name.toString(), languages.get(name.toString()), remote.contains(name.toString())));
                }
            }
        }
        return engines;
    }

    /** The remote engines' names: the ones that translate. */
    List<String> remoteNames() {
        return all().stream().filter(Engine::remote).map(Engine::name).toList();
    }

    /**
     * The engine for a request: the one named, else (no name, or {@value #ALIAS}) the default — or,
     * when a language is asked for that the default does not speak, the first that does.
     *
     * @param model    the requested model, or null
     * @param language the spoken language the client names (ISO 639-1, e.g. {@code en}), or null
     * @throws CompatFailure {@code UNKNOWN_MODEL}, {@code UNSUPPORTED_LANGUAGE} or {@code INVALID_VALUE}
     */
    Engine choose(String model, String language) {
        if (language != null
                && !(LANGUAGE.matcher(language).matches() && CODES.contains(LanguageCodes.primary(language)))) {
            throw CompatFailure.invalid(
                    "language",
                    "language must be an ISO-639-1 code such as 'en', not '" + Texts.safe(language, 40) + "'.");
        }
        List<Engine> engines = all();
        if (model != null && !model.isBlank() && !model.equals(ALIAS)) {
            Engine named = engines.stream()
                    .filter(e -> e.name().equals(model))
                    .findFirst()
                    .orElseThrow(() -> CompatFailure.of(
                            CompatFailure.Kind.UNKNOWN_MODEL,
                            "The model '" + Texts.safe(model, 40) + "' does not exist here; models: " + names(engines)
                                    + " (" + ALIAS + " is " + engines.getFirst().name() + ").",
                            "model"));
            if (language != null && named.language() != null && !named.speaks(language)) {
                throw unsupported(language, engines);
            }
            return named;
        }
        if (language == null
                || engines.getFirst().language() == null
                || engines.getFirst().speaks(language)) {
            return engines.getFirst();
        }
        return engines.stream()
                .filter(e -> e.speaks(language))
                .findFirst()
                .orElseThrow(() -> unsupported(language, engines));
    }

    private CompatFailure unsupported(String language, List<Engine> engines) {
        List<String> offered = engines.stream()
                .map(e -> e.name() + " (" + (e.language() == null ? "unknown language" : e.language()) + ")")
                .toList();
        return CompatFailure.of(
                CompatFailure.Kind.UNSUPPORTED_LANGUAGE,
                "No model here transcribes '" + Texts.safe(language, 40) + "'; models: " + String.join(", ", offered)
                        + ". Install a Vosk model for it in the models directory.",
                "language");
    }

    private static Set<String> codes() {
        Set<String> codes = new HashSet<>(List.of(Locale.getISOLanguages()));
        codes.addAll(List.of("haw", "yue", "jw"));
        return Set.copyOf(codes);
    }

    private Processor transcribe() {
        return processors
                .find(PROCESSOR)
                .map(ProcessorRegistry.Registered::processor)
                .orElseThrow(() -> new IllegalStateException("This node has no " + PROCESSOR + " processor"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> schemaOfModel(Processor transcribe) {
        Object properties = transcribe.params().jsonSchema().get("properties");
        Object model = properties instanceof Map<?, ?> map ? map.get("model") : null;
        return model instanceof Map<?, ?> schema ? (Map<String, Object>) schema : Map.of();
    }

    /** Each model's language, where the processor's details list it ({@code models: [{name, language}]}). */
    private static Map<String, String> languages(Map<String, Object> details) {
        Map<String, String> languages = new HashMap<>();
        if (details.get("models") instanceof List<?> models) {
            for (Object m : models) {
                if (m instanceof Map<?, ?> model
                        && model.get("name") != null
                        && model.get("language") instanceof String language
                        && !language.equals("unknown")) {
                    languages.put(model.get("name").toString(), language);
                }
            }
        }
        return languages;
    }

    /** The remote engines' names, where the processor's details list them ({@code engines: [{name, remote}]}). */
    private static List<String> remote(Map<String, Object> details) {
        List<String> names = new ArrayList<>();
        if (details.get("engines") instanceof List<?> engines) {
            for (Object e : engines) {
                if (e instanceof Map<?, ?> engine
                        && Boolean.TRUE.equals(engine.get("remote"))
                        && engine.get("name") != null) {
                    names.add(engine.get("name").toString());
                }
            }
        }
        return names;
    }

    private static String names(List<Engine> engines) {
        return String.join(", ", engines.stream().map(Engine::name).toList());
    }
}
