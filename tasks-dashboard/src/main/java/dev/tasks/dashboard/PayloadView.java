package dev.tasks.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A message payload as the pages show it: the task name, attempt and creation time read from the envelope
 * (read as a plain JSON tree, so that a malformed or hostile payload is shown, never trusted), the arguments
 * pretty-printed, and header values whose names look secret masked.
 *
 * @param taskName the envelope's task name, or null when the payload is not an envelope
 * @param attempt the envelope's attempt number (0 for the first run), or -1
 * @param createdAt the envelope's creation time as written, or null
 * @param arguments positional and named arguments, pretty-printed JSON, or the raw payload when unreadable
 * @param headers header names to values, secret-looking ones masked
 */
record PayloadView(String taskName, int attempt, String createdAt, String arguments, Map<String, String> headers) {

    /** What a masked header value shows. */
    static final String MASK = "••••••";

    /** Header names that are masked: credentials, tokens, keys, cookies, signatures. */
    static final Pattern SECRET_NAME = Pattern.compile(
            "(?i).*(pass|secret|token|auth|cookie|session|credential|signature|api[-_.]?key|private|bearer).*");

    private static final ObjectMapper JSON = new ObjectMapper();

    static PayloadView of(String payload) {
        JsonNode root;
        try {
            root = payload == null ? null : JSON.readTree(payload);
        } catch (JsonProcessingException | RuntimeException e) {
            root = null;
        }
        if (root == null || !root.isObject()) {
            return new PayloadView(null, -1, null, payload, Map.of());
        }
        String task = root.path("task").isTextual() ? root.path("task").asText() : null;
        int attempt = root.path("attempt").canConvertToInt() ? root.path("attempt").asInt() : -1;
        String created = root.path("createdAt").isValueNode() ? root.path("createdAt").asText() : null;
        ObjectNode args = JSON.createObjectNode();
        args.set("args", root.path("args").isMissingNode() ? JSON.createArrayNode() : root.get("args"));
        if (root.hasNonNull("kwargs")) {
            args.set("kwargs", root.get("kwargs"));
        }
        Map<String, String> headers = new TreeMap<>();
        JsonNode h = root.path("headers");
        if (h.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = h.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                headers.put(e.getKey(), masked(e.getKey()) ? MASK : e.getValue().asText());
            }
        }
        String pretty;
        try {
            pretty = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(args);
        } catch (JsonProcessingException e) {
            pretty = payload;
        }
        return new PayloadView(task, attempt, created, pretty, headers);
    }

    /** Whether a header of this name is shown masked. */
    static boolean masked(String headerName) {
        return SECRET_NAME.matcher(headerName).matches();
    }

    /** A folded {@code <details>} with the arguments and the headers (masked ones marked). */
    void appendDetails(StringBuilder b) {
        b.append("<details><summary>show</summary><pre class=\"args\">").append(Html.text(arguments)).append("</pre>");
        if (!headers.isEmpty()) {
            b.append("<table class=\"headers\"><tbody>");
            for (Map.Entry<String, String> h : headers.entrySet()) {
                b.append("<tr><th>").append(Html.text(h.getKey())).append("</th><td")
                        .append(masked(h.getKey()) ? " class=\"masked\"" : "").append('>')
                        .append(Html.text(h.getValue())).append("</td></tr>");
            }
            b.append("</tbody></table>");
        }
        b.append("</details>");
    }
}
