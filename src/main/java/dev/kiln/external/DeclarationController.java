package dev.kiln.external;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.processors.DeclaredProcessor;
import dev.kiln.processors.DeclaredProcessors;
import dev.kiln.processors.JsonSchemaParams;
import dev.kiln.processors.ProcessorCatalogue;
import dev.kiln.processors.ProcessorDescription;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.processors.ResultShape;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.http.MediaType;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A worker declares a processor it serves (docs/workers.md, "Declaring processors"). */
@RestController
@Tag(name = "workers")
class DeclarationController {

    private static final Pattern MEDIA_TYPE =
            Pattern.compile("(\\*/\\*|[a-z0-9][a-z0-9.+-]*/(\\*|[a-z0-9][a-z0-9.+-]*))");
    private static final String SHAPE =
            "{description?, accepts: [media types] | [\"none\"], params?: JSON Schema, limits?: {maxAttempts, timeoutSeconds, concurrency}, shape?, version?, reusable?}";

    private final ProcessorCatalogue catalogue;
    private final DeclaredProcessors declared;
    private final AuditLog audit;
    private final JsonMapper json;

    DeclarationController(ProcessorCatalogue catalogue, DeclaredProcessors declared, AuditLog audit, JsonMapper json) {
        this.catalogue = catalogue;
        this.declared = declared;
        this.audit = audit;
        this.json = json;
    }

    @PutMapping(path = "/api/v1/worker/processors/{name}", consumes = MediaType.APPLICATION_JSON_VALUE)
    ProcessorDescription declare(
            @AuthenticationPrincipal User worker, @PathVariable String name, @RequestBody JsonNode body) {
        if (!ProcessorRegistry.isValidName(name)) {
            throw ApiException.invalidField(
                    "name",
                    "A processor name is lowercase letters, digits and '-', starting with a letter (at most 64).");
        }
        if (catalogue.isBuiltIn(name)) {
            throw new ApiException(
                            ErrorCode.PROCESSOR_NAME_TAKEN,
                            "'" + name + "' is a built-in processor; pick another name.")
                    .with("field", "name");
        }
        ObjectNode normal = normalised(Fields.object(
                body,
                SHAPE,
                "description",
                "accepts",
                "params",
                "limits",
                "resultFormats",
                "shape",
                "version",
                "reusable"));
        DeclaredProcessor processor;
        try {
            processor = declared.declare(name, normal, worker.id());
        } catch (JsonSchemaParams.InvalidSchema e) {
            throw new ApiException(ErrorCode.INVALID_SCHEMA, e.getMessage()).with("field", "params");
        }
        audit.record(worker, AuditAction.PROCESSOR_DECLARED, "processor", name, Map.of("accepts", processor.accepts()));
        return ProcessorDescription.of(new ProcessorRegistry.Registered(processor, processor.limits()));
    }

    /** The declaration with every field checked and defaults filled in, as it is stored. */
    private ObjectNode normalised(JsonNode body) {
        ObjectNode out = json.createObjectNode();
        JsonNode description = body.get("description");
        if (description != null
                && !description.isNull()
                && (!description.isString() || description.asString().length() > 500)) {
            throw ApiException.invalidField("description", "description must be text of at most 500 characters.");
        }
        out.put("description", description == null || description.isNull() ? "" : description.asString());
        out.set("accepts", accepts(body.get("accepts")));
        JsonNode params = body.get("params");
        out.set(
                "params",
                params == null || params.isNull() ? json.createObjectNode().put("type", "object") : params);
        JsonNode limits = body.get("limits");
        if (limits != null && !limits.isNull() && !limits.isObject()) {
            throw ApiException.invalidField(
                    "limits", "limits must be an object {maxAttempts, timeoutSeconds, concurrency}.");
        }
        JsonNode l = limits == null || limits.isNull() ? json.createObjectNode() : limits;
        try {
            Fields.object(l, "limits", "maxAttempts", "timeoutSeconds", "concurrency");
            out.putObject("limits")
                    .put("maxAttempts", Fields.integer(l, "maxAttempts", 1, 100, 3))
                    .put("timeoutSeconds", Fields.integer(l, "timeoutSeconds", 1, 7 * 24 * 3600, 3600))
                    .put("concurrency", Fields.integer(l, "concurrency", 1, 1000, 1));
        } catch (ApiException e) {
            // Named by its place in the body, as every other field is (limits.concurrency, not concurrency).
            throw e.with("field", "limits." + e.properties().get("field"));
        }
        JsonNode formats = body.get("resultFormats");
        if (formats != null && !formats.isNull() && !(formats.isArray() && formats.isEmpty())) {
            throw ApiException.invalidField(
                    "resultFormats",
                    "A worker processor's downloads come from its shape (transcript: txt, srt, vtt; document: txt, md);"
                            + " send [] or leave resultFormats out.");
        }
        JsonNode shape = body.get("shape");
        if (shape != null && !shape.isNull()) {
            if (ResultShape.fromWire(shape.asString("")).isEmpty()) {
                throw ApiException.invalidField("shape", "shape must be \"transcript\", \"document\" or null.");
            }
            out.put("shape", shape.asString());
        }
        engine(body, out);
        return out;
    }

    /** The engine's {@code version} ("" when none) and whether its results are {@code reusable} (false unless said). */
    private static void engine(JsonNode body, ObjectNode out) {
        JsonNode version = body.get("version");
        if (version != null
                && !version.isNull()
                && (!version.isString() || version.asString().length() > 200)) {
            throw ApiException.invalidField("version", "version must be text of at most 200 characters.");
        }
        out.put("version", version == null || version.isNull() ? "" : version.asString());
        JsonNode reusable = body.get("reusable");
        if (reusable != null && !reusable.isNull() && !reusable.isBoolean()) {
            throw ApiException.invalidField("reusable", "reusable must be true or false.");
        }
        out.put("reusable", reusable != null && reusable.asBoolean(false));
    }

    private ArrayNode accepts(JsonNode accepts) {
        if (accepts == null || !accepts.isArray() || accepts.isEmpty() || accepts.size() > 50) {
            throw ApiException.invalidField(
                    "accepts",
                    "accepts must be a list of 1 to 50 media types (\"audio/*\"), or [\"none\"] for no input file.");
        }
        ArrayNode out = json.createArrayNode();
        for (JsonNode a : accepts) {
            String type = a.asString("");
            boolean none = type.equals(DeclaredProcessor.NO_INPUT);
            if (none && accepts.size() > 1
                    || !none
                            && (type.length() > 100 || !MEDIA_TYPE.matcher(type).matches())) {
                throw ApiException.invalidField(
                        "accepts",
                        "'" + a.asString(a.toString()) + "' is not a media type like \"text/plain\" or \"audio/*\"; "
                                + "\"none\" stands alone.");
            }
            out.add(type);
        }
        return out;
    }
}
