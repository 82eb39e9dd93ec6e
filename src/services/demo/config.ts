import { parseConfigText } from '../../config/load.ts';
import type { Config } from '../../config/schema.ts';

/**
 * The demo organisation's finops.yml: 40 engineers in 4 teams, 6 product lines, one rate card,
 * PagerDuty services and cost rules. `finops demo` and the local preview use it when no
 * finops.yml exists; examples/demo.finops.yml is the same text (a test keeps them identical).
 * The generator (./generate.ts) reads people, repos, services and cost rules from it, so the
 * seeded rows and the config always agree.
 */
export const DEMO_CONFIG_YAML = `# finops-review: the demo organisation (Acme Shop), as seeded by \`finops demo\`.
# 40 engineers in 4 teams, 6 product lines, GitHub, PagerDuty, cloud + AI cost and revenue.
# The local preview (\`finops start\` without Slack tokens) uses this file when no finops.yml exists.
# Copy it to ./finops.yml to explore; replace teams, people and product lines with your own.

timezone: Europe/Berlin
currency: USD

review:
  channel: "#finops-review"
  schedule: "0 9 2 * *"
  # The demo shows margin in the thread so the preview tells the whole story;
  # a real organisation usually keeps this false and shows margin to finance_viewers only.
  show_margin_in_channel: true

access:
  finance_viewers: ["U0DEMOFIN1"]
  admins: ["U0DEMOADM1"]

rates:
  - effective_from: 2024-01-01
    levels: { junior: 70, mid: 95, senior: 125, staff: 150, principal: 180 }
default_level: mid
senior_levels: [senior, staff, principal]

teams:
  - { id: payments, name: Payments, channel: "#team-payments" }
  - { id: discovery, name: Discovery, channel: "#team-discovery" }
  - { id: ai-experiences, name: AI Experiences, channel: "#team-ai-experiences" }
  - { id: mobile, name: Mobile, channel: "#team-mobile" }

people:
  # payments
  - { name: Ingrid Halvorsen, github: ihalvorsen, email: ingrid.halvorsen@acme.example, level: principal, team: payments }
  - { name: Marcus Oyelaran, github: moyelaran, email: marcus.oyelaran@acme.example, level: senior, team: payments }
  - { name: Sofia Marchetti, github: smarchetti, email: sofia.marchetti@acme.example, level: senior, team: payments }
  - { name: Daniel Weiss, github: dweiss, email: daniel.weiss@acme.example, level: senior, team: payments }
  - { name: Aisha Rahman, github: arahman, email: aisha.rahman@acme.example, level: mid, team: payments }
  - { name: Lukas Brandt, github: lbrandt, email: lukas.brandt@acme.example, level: mid, team: payments }
  - { name: Chen Wei, github: chenwei, email: chen.wei@acme.example, level: mid, team: payments }
  - { name: Elena Petrova, github: epetrova, email: elena.petrova@acme.example, level: mid, team: payments }
  - { name: Jonas Lindqvist, github: jlindqvist, email: jonas.lindqvist@acme.example, level: junior, team: payments }
  - { name: Fatima Benali, github: fbenali, email: fatima.benali@acme.example, level: junior, team: payments }
  - { name: Noah Fischer, github: nfischer, email: noah.fischer@acme.example, level: junior, team: payments }
  # discovery
  - { name: Priya Natarajan, github: pnatarajan, email: priya.natarajan@acme.example, level: staff, team: discovery }
  - { name: Henrik Sørensen, github: hsorensen, email: henrik.sorensen@acme.example, level: senior, team: discovery }
  - { name: Olivia Brooks, github: obrooks, email: olivia.brooks@acme.example, level: senior, team: discovery }
  - { name: Mateo Rossi, github: mrossi, email: mateo.rossi@acme.example, level: senior, team: discovery }
  - { name: Yuki Tanaka, github: ytanaka, email: yuki.tanaka@acme.example, level: mid, team: discovery }
  - { name: Samuel Okafor, github: sokafor, email: samuel.okafor@acme.example, level: mid, team: discovery }
  - { name: Clara Neumann, github: cneumann, email: clara.neumann@acme.example, level: mid, team: discovery }
  - { name: Arjun Mehta, github: amehta, email: arjun.mehta@acme.example, level: mid, team: discovery }
  - { name: Lea Hoffmann, github: lhoffmann, email: lea.hoffmann@acme.example, level: junior, team: discovery }
  - { name: Diego Fernández, github: dfernandez, email: diego.fernandez@acme.example, level: junior, team: discovery }
  - { name: Emma Schultz, github: eschultz, email: emma.schultz@acme.example, level: junior, team: discovery }
  # ai-experiences
  - { name: Rafael Duarte, github: rduarte, email: rafael.duarte@acme.example, level: principal, team: ai-experiences }
  - { name: Mei Lin, github: meilin, email: mei.lin@acme.example, level: staff, team: ai-experiences }
  - { name: Kofi Mensah, github: kmensah, email: kofi.mensah@acme.example, level: senior, team: ai-experiences }
  - { name: Anna Kowalczyk, github: akowalczyk, email: anna.kowalczyk@acme.example, level: senior, team: ai-experiences }
  - { name: Tobias Wagner, github: twagner, email: tobias.wagner@acme.example, level: mid, team: ai-experiences }
  - { name: Sara Haddad, github: shaddad, email: sara.haddad@acme.example, level: mid, team: ai-experiences }
  - { name: Liam O'Connor, github: loconnor, email: liam.oconnor@acme.example, level: mid, team: ai-experiences }
  - { name: Nina Varga, github: nvarga, email: nina.varga@acme.example, level: junior, team: ai-experiences }
  - { name: Ben Carter, github: bcarter, email: ben.carter@acme.example, level: junior, team: ai-experiences }
  - { name: Julia Roth, github: jroth, email: julia.roth@acme.example, level: junior, team: ai-experiences }
  # mobile
  - { name: Hana Kim, github: hanakim, email: hana.kim@acme.example, level: staff, team: mobile }
  - { name: Felix Braun, github: fbraun, email: felix.braun@acme.example, level: senior, team: mobile }
  - { name: Amara Eze, github: aeze, email: amara.eze@acme.example, level: senior, team: mobile }
  - { name: Pablo Ortega, github: portega, email: pablo.ortega@acme.example, level: mid, team: mobile }
  - { name: Laura Becker, github: lbecker, email: laura.becker@acme.example, level: mid, team: mobile }
  - { name: Viktor Novak, github: vnovak, email: viktor.novak@acme.example, level: mid, team: mobile }
  - { name: Zoe Martin, github: zmartin, email: zoe.martin@acme.example, level: junior, team: mobile }
  - { name: Omar Khalil, github: okhalil, email: omar.khalil@acme.example, level: junior, team: mobile }

product_lines:
  - id: checkout
    name: Checkout
    team: payments
    repos: ["acme/checkout-api", "acme/web:apps/checkout/**"]
    pagerduty_services: ["PCK7Q2M"]
    cost: { tags: { product: checkout }, sub_accounts: ["111122223333"] }
  - id: billing
    name: Billing & Invoicing
    team: payments
    repos: ["acme/billing-service", "acme/invoice-worker"]
    pagerduty_services: ["PBL3X9D"]
    cost: { tags: { product: billing }, sub_accounts: ["222233334444"] }
  - id: search
    name: Search
    team: discovery
    repos: ["acme/search-api", "acme/web:apps/search/**"]
    pagerduty_services: ["PSR5T8W"]
    cost: { tags: { product: search }, sub_accounts: ["333344445555"] }
  - id: recommendations
    name: Recommendations
    team: discovery
    repos: ["acme/recommender"]
    pagerduty_services: ["PRC2N6H"]
    cost: { tags: { product: recommendations } }
  - id: assistant
    name: Shopping Assistant
    team: ai-experiences
    repos: ["acme/assistant", "acme/web:apps/assistant/**"]
    pagerduty_services: ["PAS9V4K"]
    cost: { tags: { product: assistant }, sub_accounts: ["7c0e9a52-3f4b-4d8e-9a61-2b5d8f0c4e13"] }
  - id: mobile-app
    name: Mobile App
    team: mobile
    repos: ["acme/mobile-app"]
    pagerduty_services: ["PMB6J1R"]
    cost: { tags: { product: mobile }, sub_accounts: ["acme-mobile-prod"] }

model:
  session_gap_minutes: 120
  first_event_minutes: 30
  incident_cap_hours: 8
  ci_cost_per_minute: 0.008
  cost_metric: EffectiveCost
  rework_labels: [bug, hotfix, regression, revert]
  cogs_stages: [review, qa, deploy, incident, rework]

anomalies:
  min_impact: 50
  min_increase_pct: 20
  mad_k: 3

drift:
  margin_pp: 2
  stage_share_pp: 5
`;

let parsed: { config: Config; hash: string } | undefined;

/** The demo config, validated once (a broken demo config is a bug, so this throws). */
export function demoConfig(): { config: Config; hash: string } {
  parsed ??= parseConfigText(DEMO_CONFIG_YAML, 'demo.finops.yml');
  return parsed;
}
