package dev.kiln;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RestController;

/** Keeps the feature packages honest: no cycles between them, and an extension point free of HTTP. */
class ArchitectureTest {

    private static JavaClasses kiln;

    @BeforeAll
    static void importMainClasses() {
        kiln = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // Spring's AOT code (`-Paot-cache` writes it into target/classes) registers every bean
                // from the root package: generated, not ours to keep in shape.
                .withImportOption(location -> !location.contains("__") && !location.contains("$$SpringCGLIB$$"))
                .importPackages("dev.kiln");
    }

    @Test
    void featurePackagesFormNoCycle() {
        ArchRule rule =
                slices().matching("dev.kiln.(*)..").namingSlices("$1").should().beFreeOfCycles();
        rule.check(kiln);
    }

    /** The root package (the application and its home directory) is what features build on, never the other way. */
    @Test
    void rootPackageDependsOnNoFeature() {
        noClasses()
                .that()
                .resideInAPackage("dev.kiln")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.kiln.*..")
                .check(kiln);
    }

    /**
     * Processors are the extension point: they report bad parameters as {@code InvalidParams}, and
     * the API turns that into HTTP. (The api package handles it, so this also keeps the two acyclic.)
     */
    @Test
    void processorsDependOnNoApiType() {
        noClasses()
                .that()
                .resideInAPackage("dev.kiln.processors..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("dev.kiln.api..", "dev.kiln.webapp..")
                .check(kiln);
    }

    /** Only the package's own endpoint (the processor listing) is a web type. */
    @Test
    void processorsKnowNothingOfHttp() {
        noClasses()
                .that()
                .resideInAPackage("dev.kiln.processors..")
                .and()
                .areNotAnnotatedWith(RestController.class)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.springframework.web..",
                        "org.springframework.http..",
                        "jakarta.servlet..",
                        "jakarta.websocket..")
                .check(kiln);
    }
}
