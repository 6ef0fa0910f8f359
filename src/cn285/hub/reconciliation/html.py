"""The HTML page of a reconciliation report (a Jinja2 template rendered with autoescape:
every value from the store or an ERP is escaped)."""

TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Reconciliation {{ run.id }} — {{ run.connector }}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: .3em .6em; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.amount { text-align: right; font-variant-numeric: tabular-nums; }
.status-ok { color: #17702b; } .status-differences { color: #a35a00; }
.status-failed { color: #b00020; }
</style>
</head>
<body>
<h1>Reconciliation of Cn285 with {{ run.connector }}</h1>
<p>Run {{ run.id }}: <strong class="status-{{ run.status }}">{{ run.status }}</strong>,
started {{ run.started_at }}{% if run.finished_at %}, finished {{ run.finished_at }}{% endif %}.</p>
{% if run.error %}
<p class="status-failed">The comparison could not be completed: {{ run.error }}</p>
{% endif %}
<h2>Compared</h2>
<table>
<tr><th>records</th><th>count</th></tr>
{% for name, count in run.checked | dictsort %}
<tr><td>{{ name }}</td><td class="amount">{{ count }}</td></tr>
{% endfor %}
</table>
<h2>Differences: {{ run.differences }}</h2>
{% if run.counts %}
<table>
<tr><th>kind</th><th>count</th></tr>
{% for kind, count in run.counts | dictsort %}
<tr><td>{{ kind }}</td><td class="amount">{{ count }}</td></tr>
{% endfor %}
</table>
{% endif %}
<table>
<tr><th>kind</th><th>Cn285 key</th><th>ERP id</th><th>field</th><th>Cn285</th><th>ERP</th>
<th>difference</th><th>reason</th></tr>
{% for line in lines %}
<tr><td>{{ line.kind }}</td><td>{{ line.local_key }}</td><td>{{ line.remote_id }}</td>
<td>{{ line.field }}</td><td class="amount">{{ line.cn285 }}</td>
<td class="amount">{{ line.erp }}</td><td class="amount">{{ line.difference }}</td>
<td>{{ line.reason }}</td></tr>
{% else %}
<tr><td colspan="8">No difference.</td></tr>
{% endfor %}
</table>
</body>
</html>
"""
