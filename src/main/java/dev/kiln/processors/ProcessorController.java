package dev.kiln.processors;

import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

@RestController
class ProcessorController {

    private final ProcessorCatalogue catalogue;

    ProcessorController(ProcessorCatalogue catalogue) {
        this.catalogue = catalogue;
    }

    record Listing(List<ProcessorDescription> items) {}

    @GetMapping("/api/v1/processors")
    Listing list() {
        return new Listing(
                catalogue.all().stream().map(ProcessorDescription::of).toList());
    }
}
