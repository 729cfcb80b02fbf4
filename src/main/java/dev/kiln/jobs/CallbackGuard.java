package dev.kiln.jobs;

/**
 * Checks the {@code callbackUrl} of a submission: a URL Kiln may call when the job ends. The webhooks
 * feature provides it (it owns the rules on where Kiln sends requests, and delivers the callbacks);
 * the core only asks, so it depends on no feature for it.
 */
@FunctionalInterface
public interface CallbackGuard {

    /**
     * The URL as it will be stored and called.
     *
     * @param field where the URL came from, to name in a refusal
     * @throws dev.kiln.api.ApiException {@code invalid_field} when it is no http(s) URL, {@code
     *     url_not_allowed} when it leads to an address Kiln does not call
     */
    String check(String field, String url);
}
