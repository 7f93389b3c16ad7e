"""The figure builders, called without Streamlit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import plotly.graph_objects as go
import plotly.io as pio

from dashboard import figures

NOW = datetime(2026, 2, 27, 10, 35, tzinfo=UTC)
TIMES = [NOW + timedelta(seconds=5 * i) for i in range(10)]


def test_cpu_trend_is_a_green_smooth_line_with_gradient_fill() -> None:
    fig = figures.cpu_trend(TIMES, [10.0 * i for i in range(10)], "CPU")
    assert isinstance(fig, go.Figure)
    line = fig.data[0]
    assert (line.line.shape, line.fill) == ("spline", "tozeroy")
    assert line.line.color == "rgba(34,197,94,1.0)"
    stops = line.fillgradient.colorscale
    assert stops[0][1].endswith(",0.0)") and stops[-1][1].startswith("rgba(34,197,94,")  # fades out at zero
    assert list(line.y) == [10.0 * i for i in range(10)]


def test_memory_trend_is_blue() -> None:
    line = figures.memory_trend(TIMES, [50.0] * 10, "Mem").data[0]
    assert line.line.color == "rgba(59,130,246,1.0)" and line.line.shape == "spline"


def test_status_pie_colours_and_translated_labels() -> None:
    names = {"firing": "告警中", "acknowledged": "已确认", "resolved": "已恢复"}
    pie = figures.status_pie({"firing": 3, "acknowledged": 1, "resolved": 7}, names, "告警").data[0]
    assert list(pie.labels) == ["告警中", "已确认", "已恢复"]
    assert list(pie.values) == [3, 1, 7]
    assert list(pie.marker.colors) == [figures.RED, figures.AMBER, figures.GREEN_HEX]


def test_gauge_without_a_sample_draws_no_false_zero() -> None:
    assert figures.gauge(None, "CPU").data[0].value is None
    assert figures.gauge(42.5, "CPU").data[0].value == 42.5


def test_dark_theme_uses_dark_template() -> None:
    fig = figures.gauge(1.0, "CPU", theme="dark")
    assert fig.layout.template.layout.paper_bgcolor != figures.gauge(1.0, "CPU").layout.template.layout.paper_bgcolor


def test_charts_keep_the_look_of_plotlys_templates_for_the_traces_they_draw() -> None:
    """Our templates are plotly_white / plotly_dark without what 2-D charts never use (the cost of
    validating it on every figure): every layout setting and trace default that remains is plotly's."""
    for theme, name in (("light", "plotly_white"), ("dark", "plotly_dark")):
        full = pio.templates[name].to_plotly_json()
        ours = figures.gauge(1.0, "CPU", theme=theme).layout.template.to_plotly_json()
        assert ours["layout"] == {k: v for k, v in full["layout"].items() if k not in figures.UNUSED_LAYOUT}
        assert set(ours["data"]) == {"scatter", "pie"} & set(full["data"])
        for trace in ours["data"]:
            assert ours["data"][trace] == full["data"][trace]
        assert ours["layout"]["font"] == full["layout"]["font"]
