package dev.tasks.dashboard;

import java.util.List;
import java.util.Locale;

/**
 * Small line charts as inline SVG, drawn on the server: no script library to bundle or keep up to date, no
 * request to the internet, and the chart is in the page the moment it loads (also for a page saved to a
 * file or printed). The text inside (title, last value) goes through {@link Html#text}.
 */
final class Charts {
    static final int WIDTH = 240;
    static final int HEIGHT = 48;

    private Charts() {}

    /**
     * A sparkline of {@code values} (oldest first) scaled to the largest, with its title and the last value.
     *
     * @param unit what a value counts, shown after the last one ("ready", "/s")
     */
    static String sparkline(String id, String title, List<Double> values, String unit) {
        StringBuilder b = new StringBuilder(512);
        double max = 0;
        for (double v : values) {
            max = Math.max(max, v);
        }
        double last = values.isEmpty() ? 0 : values.get(values.size() - 1);
        b.append("<figure class=\"chart\" id=\"").append(Html.text(id)).append("\"><figcaption>")
                .append(Html.text(title)).append(": <b class=\"last\">").append(Html.text(format(last)))
                .append("</b> ").append(Html.text(unit)).append(" <span class=\"peak\">(peak ")
                .append(Html.text(format(max))).append(")</span></figcaption>")
                .append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"").append(WIDTH)
                .append("\" height=\"").append(HEIGHT).append("\" viewBox=\"0 0 ").append(WIDTH).append(' ')
                .append(HEIGHT).append("\"><title>").append(Html.text(title)).append("</title>")
                .append("<rect class=\"frame\" x=\"0.5\" y=\"0.5\" width=\"").append(WIDTH - 1).append("\" height=\"")
                .append(HEIGHT - 1).append("\"/>");
        if (values.size() >= 2) {
            b.append("<polyline class=\"line\" points=\"");
            double step = (WIDTH - 4) / (double) (values.size() - 1);
            for (int i = 0; i < values.size(); i++) {
                double x = 2 + i * step;
                double y = HEIGHT - 3 - (max == 0 ? 0 : values.get(i) / max * (HEIGHT - 6));
                b.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            b.append("\"/>");
        } else {
            b.append("<text x=\"8\" y=\"28\" class=\"wait\">collecting samples</text>");
        }
        b.append("</svg></figure>");
        return b.toString();
    }

    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, "%.1f", v);
    }
}
