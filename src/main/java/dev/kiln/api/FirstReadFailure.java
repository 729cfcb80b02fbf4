package dev.kiln.api;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestAttributeEvent;
import jakarta.servlet.ServletRequestAttributeListener;
import org.springframework.stereotype.Component;

/**
 * Keeps the first failure Tomcat records of a request ({@link RequestDispatcher#ERROR_EXCEPTION}, set
 * at each failed read of the body): after a broken chunk Tomcat's chunked reader stays in error, and
 * each later read (a multipart parser closing the part it was reading) records a plain IOException
 * over the BadRequestException that said what was wrong. {@link ErrorPageProblems} classifies by this
 * one.
 */
@Component
class FirstReadFailure implements ServletRequestAttributeListener {

    private static final String ATTRIBUTE = FirstReadFailure.class.getName();

    @Override
    public void attributeAdded(ServletRequestAttributeEvent event) {
        record(event);
    }

    @Override
    public void attributeReplaced(ServletRequestAttributeEvent event) {
        record(event);
    }

    private static void record(ServletRequestAttributeEvent event) {
        ServletRequest request = event.getServletRequest();
        if (RequestDispatcher.ERROR_EXCEPTION.equals(event.getName()) && request.getAttribute(ATTRIBUTE) == null) {
            // On a replacement the event holds the value replaced: the one recorded first.
            request.setAttribute(ATTRIBUTE, event.getValue());
        }
    }

    /** The first failure recorded for the request, or {@code recorded} when none was seen. */
    static Object of(ServletRequest request, Object recorded) {
        Object first = request.getAttribute(ATTRIBUTE);
        return first != null ? first : recorded;
    }
}
