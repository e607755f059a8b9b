"""Builders of Grafana dashboard JSON (schema of Grafana 10): panels, rows, variables, laid out on the grid."""
from __future__ import annotations

DATASOURCE = {"type": "prometheus", "uid": "kawal-prometheus"}
SERVICES = ("contracts", "routes", "billing")
RUPIAH = "prefix:Rp "


def target(expr: str, legend: str = "", *, instant: bool = False) -> dict:
    return {"expr": expr, "legendFormat": legend or "__auto", "instant": instant, "range": not instant}


def _thresholds(steps: list[tuple[float | None, str]] | None) -> dict:
    steps = steps or [(None, "green")]
    return {"mode": "absolute", "steps": [{"color": color, "value": value} for value, color in steps]}


def panel(kind: str, title: str, description: str, targets: list[dict], *, w: int = 12, h: int = 8,
          unit: str = "short", thresholds: list[tuple[float | None, str]] | None = None,
          minimum: float | None = None, maximum: float | None = None, decimals: int | None = None,
          threshold_line: bool = False, options: dict | None = None) -> dict:
    defaults: dict = {"unit": unit, "thresholds": _thresholds(thresholds), "color": {"mode": "palette-classic"}}
    if kind in ("stat", "bargauge", "gauge"):
        defaults["color"] = {"mode": "thresholds"}
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    if decimals is not None:
        defaults["decimals"] = decimals
    if kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 2, "fillOpacity": 5, "showPoints": "never",
                              "spanNulls": True,
                              "thresholdsStyle": {"mode": "line+area" if threshold_line else "off"}}
    base_options = {
        "timeseries": {"legend": {"displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]},
                       "tooltip": {"mode": "multi", "sort": "desc"}},
        "stat": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                 "colorMode": "background", "graphMode": "none", "textMode": "value_and_name",
                 "justifyMode": "auto", "orientation": "auto"},
        "bargauge": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                     "displayMode": "gradient", "orientation": "horizontal", "showUnfilled": True},
        "table": {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}},
    }[kind]
    return {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "targets": [dict(t, refId=chr(ord("A") + i), datasource=DATASOURCE) for i, t in enumerate(targets)],
        "fieldConfig": {"defaults": defaults, "overrides": []},
        "options": {**base_options, **(options or {})},
        "gridPos": {"w": w, "h": h},
    }


def table(title: str, description: str, targets: list[dict], *, w: int = 12, h: int = 8, unit: str = "short") -> dict:
    """An instant table of the latest values, one row a series, labels as columns."""
    built = panel("table", title, description, [dict(t, instant=True, range=False, format="table") for t in targets],
                  w=w, h=h, unit=unit)
    built["transformations"] = [{"id": "organize", "options": {"excludeByName": {"Time": True}}}]
    return built


def row(title: str) -> dict:
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "gridPos": {"w": 24, "h": 1}}


def query_variable(name: str, label: str, query: str) -> dict:
    return {
        "name": name, "label": label, "type": "query", "datasource": DATASOURCE,
        "definition": query, "query": {"query": query, "refId": f"{name}-variable"},
        "refresh": 2, "sort": 1, "multi": True, "includeAll": True, "allValue": ".*",
        "current": {"selected": True, "text": ["All"], "value": ["$__all"]}, "options": [], "hide": 0,
    }


def layout(items: list[dict]) -> list[dict]:
    """Place panels left to right, wrapping at 24 columns; a row starts a new line. Ids follow the order."""
    x = y = line_height = 0
    placed = []
    for number, item in enumerate(items, start=1):
        pos = item["gridPos"]
        if item["type"] == "row" or x + pos["w"] > 24:
            x, y, line_height = 0, y + line_height, 0
        pos.update(x=x, y=y)
        x += pos["w"]
        line_height = max(line_height, pos["h"])
        if item["type"] == "row":
            x, y, line_height = 0, y + pos["h"], 0
        placed.append(dict(item, id=number))
    return placed


def dashboard(uid: str, title: str, description: str, tags: list[str], items: list[dict],
              variables: list[dict], time_from: str, refresh: str) -> dict:
    return {
        "uid": uid,
        "title": title,
        "description": description,
        "tags": tags,
        "timezone": "Asia/Jakarta",  # WIB: the contracts' days and months are WIB days and months
        "editable": False,
        "graphTooltip": 1,
        "liveNow": False,
        "refresh": refresh,
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "fiscalYearStartMonth": 0,
        "weekStart": "monday",
        "links": [],
        "annotations": {"list": []},
        "templating": {"list": variables},
        "panels": layout(items),
    }
