package dev.kiln.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.test.context.TestPropertySource;

/**
 * Storage settings for API tests that run the storage sweep themselves: uploads expire a second
 * after their last write, the scheduled sweep waits an hour, and content goes as soon as nothing
 * refers to it. Test classes with these settings (and the same database) share one running Kiln.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
@TestPropertySource(
        properties = {"kiln.uploads.expire-after=1s", "kiln.uploads.sweep-interval=1h", "kiln.uploads.blob-grace=0s"})
public @interface StorageSweptByTest {}
