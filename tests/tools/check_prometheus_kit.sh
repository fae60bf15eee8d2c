#!/usr/bin/env bash
# The fleet kit, offline: deploy/prometheus/alerts.yml passes `promtool check rules` and its
# unit tests (`promtool test rules alerts_test.yml`), and every query of the Grafana dashboard
# (deploy/grafana/portwatch-fleet.json) parses: each is wrapped as a recording rule in a
# generated rule file that promtool checks (Grafana's $variables are inside label strings).
#
#   check_prometheus_kit.sh SOURCE_DIR
#
# Without promtool it skips (77), except when CI is set, where it fails.
set -euo pipefail
src=$1
if ! command -v promtool >/dev/null; then
  if [ -n "${CI:-}" ]; then
    echo "FAIL (CI is set): no promtool (apt-get install prometheus)" >&2
    exit 1
  fi
  echo "SKIP: no promtool (apt-get install prometheus)" >&2
  exit 77
fi
work=$(mktemp -d /tmp/portwatch-kit.XXXXXX)
trap 'rm -rf "$work"' EXIT

promtool check rules "$src/deploy/prometheus/alerts.yml"
(cd "$src/deploy/prometheus" && promtool test rules alerts_test.yml)

python3 - "$src/deploy/grafana/portwatch-fleet.json" "$work/dashboard_rules.yml" <<'PY'
import json, sys
dash = json.load(open(sys.argv[1]))
exprs = []
def walk(panels):
    for p in panels:
        for t in p.get("targets", []):
            exprs.append((p["title"], t["expr"]))
        walk(p.get("panels", []))
walk(dash["panels"])
for v in dash["templating"]["list"]:
    q = v.get("query")
    if isinstance(q, dict) and q["query"].startswith("label_values("):
        # label_values(METRIC, label): the metric selector is PromQL.
        exprs.append((v["name"], q["query"][len("label_values("):].rsplit(",", 1)[0]))
if len(exprs) < 10:
    sys.exit("the dashboard has only %d queries: not the file expected" % len(exprs))
with open(sys.argv[2], "w") as out:
    out.write("groups:\n  - name: dashboard\n    rules:\n")
    for i, (title, e) in enumerate(exprs):
        out.write("      - record: dashboard:query_%d\n        expr: %s\n" % (i, json.dumps(e)))
print("%d dashboard queries" % len(exprs))
PY
promtool check rules "$work/dashboard_rules.yml"
