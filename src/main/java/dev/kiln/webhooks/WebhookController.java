package dev.kiln.webhooks;

import dev.kiln.api.ApiException;
import dev.kiln.api.ErrorCode;
import dev.kiln.api.JsonFields;
import dev.kiln.api.Paging;
import dev.kiln.audit.AuditAction;
import dev.kiln.audit.AuditLog;
import dev.kiln.auth.User;
import dev.kiln.processors.ProcessorRegistry;
import dev.kiln.support.Texts;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.annotation.AuthenticationPrincipal;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A user's webhooks (docs/webhooks.md): register an endpoint (its secret in that answer only), list,
 * read, delete; the secret that signs their jobs' own callbacks; each webhook's delivery log and a
 * redelivery by hand. Another user's webhook answers exactly like one that does not exist; admins
 * may read and act on anyone's, as with jobs.
 */
@RestController
@RequestMapping("/api/v1/webhooks")
class WebhookController {

    static final int DEFAULT_PAGE = 50;
    static final int MAX_PAGE = 200;
    static final int MAX_PROCESSORS = 50;
    static final int MAX_DESCRIPTION = 200;

    private final Webhooks webhooks;
    private final Deliveries deliveries;
    private final UrlGuard guard;
    private final DeliveryWorker worker;
    private final WebhookSettings settings;
    private final AuditLog audit;
    private final JsonMapper json;
    private final Clock clock;

    WebhookController(
            Webhooks webhooks,
            Deliveries deliveries,
            UrlGuard guard,
            DeliveryWorker worker,
            WebhookSettings settings,
            AuditLog audit,
            JsonMapper json,
            Clock clock) {
        this.webhooks = webhooks;
        this.deliveries = deliveries;
        this.guard = guard;
        this.worker = worker;
        this.settings = settings;
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    /** Registers an endpoint: {@code {url, events?, processors?, description?}}; 201 with its secret, shown once. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ObjectNode> create(@AuthenticationPrincipal User user, @RequestBody JsonNode body) {
        if (body == null || !body.isObject()) {
            throw ApiException.invalidField(
                    "body", "The body must be a JSON object: {url, events?, processors?, description?}.");
        }
        JsonFields.only(body, "url", "events", "processors", "description");
        JsonNode url = body.get("url");
        if (url == null || url.isNull() || !url.isString()) {
            throw ApiException.invalidField("url", "url is required: the http or https URL to post events to.");
        }
        List<String> events = events(body.get("events"));
        List<String> processors = processors(body.get("processors"));
        String description = description(body.get("description"));
        String checked = guard.check("url", url.asString());
        String secret = Signatures.newSecret();
        Webhooks.Webhook hook =
                webhooks.create(user, checked, events, processors, description, secret, settings.maxPerUser());
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("host", URI.create(checked).getHost());
        detail.put("events", events);
        audit.record(user, AuditAction.WEBHOOK_CREATED, "webhook", hook.id(), detail);
        return ResponseEntity.created(URI.create("/api/v1/webhooks/" + hook.id()))
                .body(withSecret(hook, secret));
    }

    record WebhookList(List<Webhooks.Webhook> items) {}

    /** The caller's own webhooks (an admin's too: others' are reached by id). */
    @GetMapping(produces = MediaType.APPLICATION_JSON_VALUE)
    WebhookList list(@AuthenticationPrincipal User user) {
        return new WebhookList(webhooks.of(user.id()));
    }

    @GetMapping(path = "/{id}", produces = MediaType.APPLICATION_JSON_VALUE)
    Webhooks.Webhook get(@AuthenticationPrincipal User user, @PathVariable String id) {
        return webhooks.get(id, user);
    }

    /** Deletes the webhook; its deliveries not yet sent are never sent. */
    @DeleteMapping("/{id}")
    ResponseEntity<Void> delete(@AuthenticationPrincipal User user, @PathVariable String id) {
        Webhooks.Webhook hook = webhooks.get(id, user);
        if (!webhooks.delete(hook.id())) {
            throw new ApiException(ErrorCode.WEBHOOK_NOT_FOUND, "No webhook " + id + ".");
        }
        audit.record(user, AuditAction.WEBHOOK_DELETED, "webhook", hook.id(), Map.of("kind", hook.kind()));
        return ResponseEntity.noContent().build();
    }

    /**
     * A new secret for the caller's job callbacks ({@code callbackUrl}), shown once; the old one
     * signs nothing from now on, including retries of callbacks already waiting.
     */
    @PostMapping(path = "/callback-secret", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ObjectNode> rotateCallbackSecret(@AuthenticationPrincipal User user) {
        String secret = Signatures.newSecret();
        Webhooks.Webhook entry = webhooks.rotateCallbackSecret(user, secret);
        audit.record(user, AuditAction.WEBHOOK_SECRET_ROTATED, "webhook", entry.id());
        return ResponseEntity.created(URI.create("/api/v1/webhooks/" + entry.id()))
                .body(withSecret(entry, secret));
    }

    @GetMapping(path = "/{id}/deliveries", produces = MediaType.APPLICATION_JSON_VALUE)
    Deliveries.Page deliveries(
            @AuthenticationPrincipal User user,
            @PathVariable String id,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String cursor) {
        int size = Paging.size(limit, DEFAULT_PAGE, MAX_PAGE);
        Webhooks.Webhook hook = webhooks.get(id, user);
        return deliveries.page(hook.id(), Paging.cursor(cursor, "msg"), size);
    }

    /** Sends a delivery again now, with the same webhook-id (receivers deduplicate by it), retried like a new one. */
    @PostMapping(path = "/{id}/deliveries/{deliveryId}/redeliver", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<Deliveries.Delivery> redeliver(
            @AuthenticationPrincipal User user, @PathVariable String id, @PathVariable String deliveryId) {
        Webhooks.Webhook hook = webhooks.get(id, user);
        long now = clock.millis();
        Deliveries.Delivery delivery = deliveries
                .redeliver(hook.id(), deliveryId, now, now + settings.maxAge().toMillis())
                .orElseThrow(() -> new ApiException(
                        ErrorCode.DELIVERY_NOT_FOUND, "Webhook " + id + " has no delivery " + deliveryId + "."));
        worker.wake();
        audit.record(user, AuditAction.WEBHOOK_REDELIVERED, "webhook", hook.id(), Map.of("delivery", delivery.id()));
        return ResponseEntity.accepted().body(delivery);
    }

    private ObjectNode withSecret(Webhooks.Webhook hook, String secret) {
        ObjectNode view = json.valueToTree(hook);
        view.put("secret", secret);
        return view;
    }

    private static List<String> events(JsonNode value) {
        if (value == null || value.isNull()) {
            return EventType.wires();
        }
        if (!value.isArray() || value.isEmpty()) {
            throw ApiException.invalidField("events", "events must be a non-empty list of " + EventType.wires() + ".");
        }
        return distinct(
                value,
                event -> EventType.fromWire(event).isPresent(),
                i -> ApiException.invalidField(
                                "events[" + i + "]", "Unknown event type; one of " + EventType.wires() + ".")
                        .with("known", EventType.wires()));
    }

    /** Null for every processor. Any processor name is taken, so a worker's may be named before it is declared. */
    private static List<String> processors(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isArray() || value.isEmpty() || value.size() > MAX_PROCESSORS) {
            throw ApiException.invalidField(
                    "processors",
                    "processors must be a list of 1 to " + MAX_PROCESSORS + " processor names (leave it out for all).");
        }
        return distinct(
                value,
                ProcessorRegistry::isValidName,
                i -> ApiException.invalidField("processors[" + i + "]", "Not a processor name."));
    }

    /** The list's strings in order, each once; {@code refusal} of the index of the first that is no string or not {@code valid}. */
    private static List<String> distinct(JsonNode list, Predicate<String> valid, IntFunction<ApiException> refusal) {
        List<String> items = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode item = list.get(i);
            if (!item.isString() || !valid.test(item.asString())) {
                throw refusal.apply(i);
            }
            if (!items.contains(item.asString())) {
                items.add(item.asString());
            }
        }
        return items;
    }

    private static String description(JsonNode value) {
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isString() || value.asString().length() > MAX_DESCRIPTION) {
            throw ApiException.invalidField(
                    "description", "description must be a string of at most " + MAX_DESCRIPTION + " characters.");
        }
        String text = Texts.safe(value.asString(), MAX_DESCRIPTION).strip();
        return text.isEmpty() ? null : text;
    }
}
