"""An offline /docs page: the OpenAPI document rendered as plain HTML, no external assets.

FastAPI's own /docs loads Swagger UI from a CDN, which fails on an offline machine. This
page lists every endpoint with its parameters, request body and responses, and every
schema with its fields, generated from ``app.openapi()``; /openapi.json stays as it is.
"""

from __future__ import annotations

from html import escape
from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

_CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:64rem;padding:0 1rem;
color:#1d2327}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ccd}
.op{border:1px solid #dde;border-radius:6px;margin:1rem 0;padding:.6rem .9rem}
.m{display:inline-block;min-width:4.2rem;font-weight:700;font-family:monospace}
.get{color:#0a6}.post{color:#06c}.put,.patch{color:#a60}.delete{color:#c33}
code,.path{font-family:ui-monospace,monospace}.path{font-weight:600}
table{border-collapse:collapse;margin:.4rem 0;width:100%}
th,td{border-bottom:1px solid #eef;padding:.2rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f7fb}.muted{color:#667}
table{display:block;overflow-x:auto}.op,p,li{overflow-wrap:anywhere}
@media (max-width:640px){body{margin:1rem auto;padding:0 .6rem}}
"""
_METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(schema: dict[str, Any] | None) -> str:
    """A schema as short HTML: `string`, `array of <a>Model</a>`, `integer | null` ..."""
    if not schema:
        return "any"
    if "$ref" in schema:
        name = escape(_ref_name(schema["$ref"]))
        return f'<a href="#schema-{name}">{name}</a>'
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            return " | ".join(_type(s) for s in schema[key])
    kind = schema.get("type")
    if kind == "array":
        return f"array of {_type(schema.get('items'))}"
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return f"object of {_type(schema['additionalProperties'])}"
    if kind == "object" and schema.get("properties"):
        required = set(schema.get("required", []))
        fields = ", ".join(
            f"<code>{escape(k)}</code>{'' if k in required else '?'}: {_type(v)}"
            for k, v in schema["properties"].items()
        )
        return f"object {{{fields}}}"
    text = escape(str(kind or "any"))
    if "enum" in schema:
        text += " (" + ", ".join(escape(repr(v)) for v in schema["enum"]) + ")"
    if "const" in schema:
        text += f" = {escape(repr(schema['const']))}"
    if schema.get("format"):
        text += f" <span class=muted>{escape(schema['format'])}</span>"
    return text


def _limits(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (("minimum", ">="), ("exclusiveMinimum", ">"), ("maximum", "<="),
                       ("exclusiveMaximum", "<"), ("maxLength", "length <=")):  # fmt: skip
        if key in schema:
            parts.append(f"{label} {schema[key]}")
    if "default" in schema:
        parts.append(f"default {schema['default']!r}")
    return escape("; ".join(parts))


def _parameters(params: list[dict[str, Any]]) -> str:
    if not params:
        return ""
    rows = []
    for p in params:
        schema = p.get("schema", {})
        required = "required" if p.get("required") else ""
        desc = escape(p.get("description") or schema.get("description") or "")
        rows.append(
            f"<tr><td><code>{escape(p['name'])}</code></td><td>{escape(p.get('in', ''))}</td>"
            f"<td>{_type(schema)}</td><td>{required}</td><td>{desc} "
            f"<span class=muted>{_limits(schema)}</span></td></tr>"
        )
    return (
        "<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Required</th><th>About</th></tr>"
        + "".join(rows)
        + "</table>"
    )


def _content(content: dict[str, Any]) -> str:
    return "; ".join(
        f"<code>{escape(media)}</code>: {_type(body.get('schema'))}"
        for media, body in content.items()
    )


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    parts = [
        f'<div class=op id="{escape(method)}-{escape(path)}">'
        f"<span class='m {method}'>{method.upper()}</span> <span class=path>{escape(path)}</span>"
    ]
    if op.get("summary"):
        parts.append(f" — {escape(op['summary'])}")
    if op.get("description"):
        parts.append(f"<p>{escape(op['description'])}</p>")
    parts.append(_parameters(op.get("parameters", [])))
    body = op.get("requestBody")
    if body:
        parts.append(f"<p>Body: {_content(body.get('content', {}))}</p>")
    responses = []
    for status, resp in sorted(op.get("responses", {}).items()):
        content = _content(resp.get("content", {}))
        responses.append(
            f"<tr><td>{escape(str(status))}</td><td>{escape(resp.get('description', ''))}</td>"
            f"<td>{content}</td></tr>"
        )
    if responses:
        parts.append(
            "<table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>"
            + "".join(responses)
            + "</table>"
        )
    parts.append("</div>")
    return "".join(parts)


def _schema(name: str, schema: dict[str, Any]) -> str:
    required = set(schema.get("required", []))
    rows = []
    for field, prop in schema.get("properties", {}).items():
        rows.append(
            f"<tr><td><code>{escape(field)}</code></td><td>{_type(prop)}</td>"
            f"<td>{'required' if field in required else ''}</td>"
            f"<td>{escape(prop.get('description', ''))} "
            f"<span class=muted>{_limits(prop)}</span></td></tr>"
        )
    extra = schema.get("additionalProperties")
    note = " <span class=muted>(further columns allowed)</span>" if extra is True else ""
    desc = f"<p>{escape(schema['description'])}</p>" if schema.get("description") else ""
    table = (
        "<table><tr><th>Field</th><th>Type</th><th>Required</th><th>About</th></tr>"
        + "".join(rows)
        + "</table>"
        if rows
        else ""
    )
    anchor = f'id="schema-{escape(name)}"'
    return f"<div class=op {anchor}><b>{escape(name)}</b>{note}{desc}{table}</div>"


def render_docs(spec: dict[str, Any]) -> str:
    """The whole page for an OpenAPI document."""
    info = spec.get("info", {})
    ops = [
        _operation(path, method, item[method])
        for path, item in spec.get("paths", {}).items()
        for method in _METHODS
        if method in item
    ]
    index = "".join(
        f"<li><span class='m {method}'>{method.upper()}</span> "
        f'<a href="#{escape(method)}-{escape(path)}">{escape(path)}</a> '
        f"<span class=muted>{escape(item[method].get('summary', ''))}</span></li>"
        for path, item in spec.get("paths", {}).items()
        for method in _METHODS
        if method in item
    )
    schemas = "".join(
        _schema(name, schema)
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    )
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        "<link rel=icon href='/static/favicon.svg' type='image/svg+xml'>"
        f"<title>{escape(info.get('title', 'API'))} API</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(info.get('title', 'API'))} REST API "
        f"<span class=muted>{escape(str(info.get('version', '')))}</span></h1>"
        f"<p>{escape(info.get('description', ''))}</p>"
        "<p>Machine-readable: <a href='/openapi.json'>/openapi.json</a> (OpenAPI "
        f"{escape(str(spec.get('openapi', '')))}). Errors are JSON "
        "<code>{error, field, expected, found}</code>.</p>"
        "<p>Every GET answer is also CSV: add <code>_format=csv</code> (the list it holds, "
        "one row per record; a JSON answer names its CSV in a <code>Link</code> header). "
        "Table rows take <code>column=value</code> filters (any case), "
        "<code>_sort=column</code> and <code>_sort_desc=column</code>.</p>"
        f"<h2>Endpoints</h2><ul>{index}</ul>{''.join(ops)}"
        f"<h2>Schemas</h2>{schemas}</body></html>"
    )


def install_docs(app: FastAPI) -> None:
    """Replace FastAPI's CDN-based /docs and /redoc with the offline page."""
    own = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) not in own]
    app.docs_url = "/docs"
    app.redoc_url = None
    page: dict[str, str] = {}

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> HTMLResponse:
        if "html" not in page:
            page["html"] = render_docs(app.openapi())
        return HTMLResponse(page["html"])
