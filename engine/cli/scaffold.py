"""The files ``statewise init`` writes: a flow project to start from.

``{chart}`` stands for the chart id (``<project>.order``). Every file is text; the chart
validates clean under ``--strict`` and its scenarios pass (a test checks both).
"""

from __future__ import annotations

__all__ = ["FILES"]

CHART = """\
# yaml-language-server: $schema=../schemas/statechart.schema.json
# An order from checkout to shipping. Change it, then run `statewise validate flows/`
# and `statewise test flows/` (docs: language.md and testing.md of statewise).
id: {chart}
version: 1
title: Order
description: From checkout to shipping; big orders wait for a manager's approval.
context:
  order_no: string
  total: decimal
  email: string
  approval_limit: {{type: decimal, default: 500}}
events:
  payment.received: {{source: integration, data: {{amount: decimal}}}}
templates:
  order_confirmed:
    channel: email
    subject: "Order {{{{ order_no }}}} confirmed"
    body_file: templates/order_confirmed.txt
initial: awaiting_payment
states:
  awaiting_payment:
    label: Awaiting payment
    on:
      payment.received:
        - target: review
          guard: event.amount >= total and total > approval_limit
        - target: confirmed
          guard: event.amount >= total
    after:
      - delay: 3d
        target: cancelled
  review:
    label: Waiting for approval
    queue: Approvals
    on:
      approve: {{target: confirmed, manual: {{label: Approve, roles: [manager]}}}}
      reject:
        target: cancelled
        manual: {{label: Reject, roles: [manager], note_required: true}}
  confirmed:
    label: Confirmed
    entry:
      - notify: {{template: order_confirmed, to: [email]}}
    on:
      ship: {{target: shipped, manual: {{label: Mark as shipped}}}}
  shipped:
    type: final
  cancelled:
    type: final
"""

TEMPLATE = """\
Hello,

we received {{{{ total }}}} for order {{{{ order_no }}}}. We will let you know when it ships.
"""

HAPPY = """\
name: paid and shipped
chart: ../order.yaml
key: "1001"
context: {{order_no: "1001", total: 120.00, email: ann@example.com}}
steps:
  - send: {{event: payment.received, data: {{amount: 120.00}}}}
  - expect:
      configuration: [confirmed]
      notifications:
        - {{channel: email, to: [ann@example.com], template: order_confirmed, contains: [Order 1001 confirmed]}}
  - send: {{event: ship, roles: [warehouse]}}
  - expect: {{configuration: [shipped], done: true}}
"""

APPROVAL = """\
name: a big order waits for a manager
chart: ../order.yaml
key: "1002"
context: {{order_no: "1002", total: 900.00, email: bo@example.com}}
steps:
  - send: {{event: payment.received, data: {{amount: 900.00}}}}
  - expect: {{configuration: [review], roles: [manager], manual_actions: [Approve, Reject]}}
  - expect_refused: {{event: approve, roles: [warehouse], blocker: role_not_allowed}}
  - send: {{event: approve, roles: [manager], actor: carla}}
  - expect: {{configuration: [confirmed]}}
"""

UNPAID = """\
name: not paid within three days
chart: ../order.yaml
key: "1003"
context: {{order_no: "1003", total: 40.00, email: cy@example.com}}
steps:
  - advance: 3d
  - expect: {{configuration: [cancelled], done: true}}
"""

VSCODE_SETTINGS = """\
{{
  "yaml.schemas": {{
    "./schemas/statechart.schema.json": ["flows/*.yaml"]
  }},
  "yaml.validate": true,
  "yaml.completion": true,
  "files.associations": {{
    "*.scenario.yaml": "yaml"
  }}
}}
"""

VSCODE_EXTENSIONS = """\
{{
  "recommendations": ["redhat.vscode-yaml"]
}}
"""

WORKFLOW = """\
# Checks the flows on every push and pull request: the charts validate (problems show as
# annotations on the pull request) and every scenario passes.
name: flows
on: [push, pull_request]
jobs:
  check:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install statewise
      - run: statewise validate flows/ --format github --strict
      - run: statewise test flows/ --junit-xml scenario-results.xml
"""

README = """\
# {chart}: flows

The workflow definitions of this project, for [statewise](https://pypi.org/project/statewise/).

```sh
statewise validate flows/     # every problem of every chart, with file, line and column
statewise test flows/         # run the scenarios in flows/scenarios/
statewise render flows/order.yaml -o order.svg
```

Editors: `.vscode/` asks for the YAML extension, which completes keys from
`schemas/statechart.schema.json` (refresh it with `statewise schema -o
schemas/statechart.schema.json` after upgrading statewise). `statewise lsp` is a language
server with statewise's own checks as you type (see statewise's docs/editing.md).
"""

GITIGNORE = """\
*.db
scenario-results.xml
"""

#: relative path -> text (``{chart}`` is filled in)
FILES: dict[str, str] = {
    "flows/order.yaml": CHART,
    "flows/templates/order_confirmed.txt": TEMPLATE,
    "flows/scenarios/paid-and-shipped.scenario.yaml": HAPPY,
    "flows/scenarios/approval.scenario.yaml": APPROVAL,
    "flows/scenarios/unpaid.scenario.yaml": UNPAID,
    ".vscode/settings.json": VSCODE_SETTINGS,
    ".vscode/extensions.json": VSCODE_EXTENSIONS,
    ".github/workflows/flows.yml": WORKFLOW,
    "README.md": README,
    ".gitignore": GITIGNORE,
}
