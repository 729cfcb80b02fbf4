package dev.kiln.processors;

import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ProcessorController {

    private final ProcessorRegistry registry;

    ProcessorController(ProcessorRegistry registry) {
        this.registry = registry;
    }

    record Limits(int maxAttempts, long timeoutSeconds, int concurrency) {}

    record Description(
            String name,
            String description,
            List<String> accepts,
            Map<String, Object> params,
            Limits limits,
            List<String> resultFormats,
            Map<String, Object> details) {}

    record Listing(List<Description> items) {}

    @GetMapping("/api/v1/processors")
    Listing list() {
        return new Listing(registry.all().stream()
                .map(r -> new Description(
                        r.name(),
                        r.processor().description(),
                        r.processor().acceptedMediaTypes(),
                        r.processor().params().jsonSchema(),
                        new Limits(
                                r.limits().maxAttempts(),
                                r.limits().timeout().toSeconds(),
                                r.limits().concurrency()),
                        ResultFormat.namesFor(r.processor()),
                        r.processor().details()))
                .toList());
    }
}
