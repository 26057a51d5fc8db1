#!/usr/bin/env python3
"""Deterministic generator of B2B customer journeys, for the insights benchmark (bench/insights.sh).

Writes four CSV files for JourneyLake's generic `format: csv` column mappings:

    OUT/accounts/accounts.csv         account_id,domain,name,industry,employees,annual_revenue
    OUT/people/people.csv             person_id,email,first_name,last_name,title,company,owner,stage,created_at
    OUT/touchpoints/touchpoints.csv   touchpoint_id,email,occurred_at,channel,action,side,campaign,content,owner,value,attributes
    OUT/batch/batch.csv               the same columns: --batch more touchpoints, dated after all the others

Shape of the data (one seeded random.Random: the same arguments give byte-identical files):
  * --people people (default 100,000) over --accounts companies (default 10,000) with the email
    domains company{n}.example (account size is skewed: a few large accounts, a long tail);
    ~4% of the people write from free mail (gmail.com, outlook.com), so they have no account.
  * N touchpoints in all (default 1,000,000; ~10 per person, skewed: some people have one touch,
    a few have hundreds), in one year (2025), the file ordered by time as exports are.
  * 12 channels: email, web, form, content, webinar, event, paid, social, phone, meeting, crm and
    direct_mail (a channel of the mapping's own); marketing and sales sides; 40 campaigns.
  * A journey starts with marketing touches (email opens/clicks, web visits, paid and social
    clicks, content downloads, webinars, events, forms). ~35% of the people go on to sales
    touches (outbound calls, sales emails, meetings, each with an owner); ~4% submit a
    hand-raise form ("Request a demo", "Contact sales", "Pricing") and are followed up by sales
    within hours or days (some late, so the SLA has breaches).
  * Per ~5% of the accounts an `opportunity.created` touchpoint (channel crm, side sales, with
    attributes {"opportunity_id": ...} and a value), and for ~40% of those a later
    `opportunity.won` with the deal's value, both on a person of that account.
  * Titles: ~30% match the benchmark config's fit titles (VP, Head of, Director, Chief).
  * The batch file: --batch (default 10,000) touchpoints of random existing people, dated in the
    first days of 2026, with new ids: what the next export would bring.

Prints one line: `people=P accounts=A touchpoints=N batch=B persons_in_batch=D opportunities=O won=W`.
Standard library only.  Usage:
    python3 gen_journeys.py N OUT [--people 100000] [--accounts 10000] [--batch 10000] [--seed 14]
"""

import argparse
import csv
import datetime as dt
import json
import os
import random

CHANNELS_MARKETING = [
    # (weight, channel, action, needs campaign)
    (22, "email", "email.opened", True),
    (12, "email", "email.clicked", True),
    (20, "web", "web.visit", False),
    (5, "web", "web.clicked", False),
    (7, "paid", "web.clicked", True),
    (5, "social", "web.clicked", True),
    (3, "social", "social.message", True),
    (5, "content", "content.downloaded", True),
    (3, "webinar", "webinar.registered", True),
    (3, "webinar", "webinar.attended", True),
    (2, "event", "event.attended", True),
    (6, "form", "form.submitted", True),
    (2, "direct_mail", "campaign.sent", True),
    (1, "email", "email.unsubscribed", True),
]
CHANNELS_SALES = [
    (35, "phone", "call.outbound"),
    (30, "email", "email.sent"),
    (10, "meeting", "meeting.scheduled"),
    (10, "meeting", "meeting.held"),
    (8, "phone", "call.inbound"),
    (7, "crm", "task.completed"),
]
FORMS = ["Newsletter signup", "Download whitepaper", "Event registration", "Webinar registration", "Contact us form"]
HAND_RAISES = ["Request a demo", "Contact sales", "Pricing request"]
CAMPAIGN_KINDS = ["Webinar", "Newsletter", "Paid Search", "LinkedIn Ads", "Trade Show", "Ebook", "Nurture", "Product Launch"]
INDUSTRIES = ["Logistics", "Healthcare", "Retail", "Manufacturing", "Finance", "Software", "Education", "Energy"]
FIT_TITLES = ["VP Marketing", "VP Sales", "Head of Operations", "Director of IT", "Chief Revenue Officer", "Director, Logistics"]
OTHER_TITLES = ["Analyst", "Engineer", "Marketing Manager", "Sales Manager", "Consultant", "Coordinator", "Student", "Developer"]
FIRST = ["maya", "sofia", "priya", "tom", "carlos", "li", "ahmed", "anna", "james", "olivia", "lukas", "emma",
         "noah", "mia", "wei", "fatima", "diego", "chloe", "ivan", "sara", "kenji", "amara", "jonas", "elena"]
LAST = ["chen", "rossi", "natarajan", "becker", "mendez", "wang", "hassan", "novak", "smith", "brown", "muller",
        "garcia", "kim", "nguyen", "ivanova", "okafor", "schmidt", "dubois", "silva", "kowalski", "tanaka"]
FREE_MAIL = ["gmail.com", "outlook.com"]
STAGES = ["", "", "", "Open", "Working", "Nurture"]

YEAR_START = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc).timestamp()
YEAR_END = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc).timestamp()
DAY = 86400.0
TP_HEADER = ["touchpoint_id", "email", "occurred_at", "channel", "action", "side", "campaign", "content", "owner", "value", "attributes"]


def iso(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def weighted(rng, table):
    total = sum(row[0] for row in table)
    cum, acc = [], 0
    for row in table:
        acc += row[0]
        cum.append(acc)

    def pick():
        x = rng.random() * total
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        return table[lo]
    return pick


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("n", type=int, nargs="?", default=1_000_000, help="touchpoints in the main file")
    ap.add_argument("out", help="output folder")
    ap.add_argument("--people", type=int, default=100_000)
    ap.add_argument("--accounts", type=int, default=10_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=14)
    a = ap.parse_args()
    if a.n < a.people:
        ap.error("N must be at least --people (every person has a touch)")
    rng = random.Random(a.seed)

    campaigns = [f"2025 {CAMPAIGN_KINDS[i % len(CAMPAIGN_KINDS)]} {i // len(CAMPAIGN_KINDS) + 1:02d}" for i in range(40)]
    owners = [f"rep{i:02d}@vendor.example" for i in range(1, 21)]

    # Accounts: size skewed (Pareto weights), firmographics.
    acc_weight = [rng.paretovariate(1.2) for _ in range(a.accounts)]
    acc_rows = []
    for i in range(a.accounts):
        employees = int(10 ** rng.uniform(1, 4.5))
        acc_rows.append([f"ACC{i:06d}", f"company{i}.example", f"Company {i}", rng.choice(INDUSTRIES), employees,
                         employees * rng.randint(80_000, 250_000)])
    # Cumulative weights for drawing an account per person.
    cum, acc = [], 0.0
    for w in acc_weight:
        acc += w
        cum.append(acc)

    def pick_account():
        x = rng.random() * acc
        lo, hi = 0, len(cum) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if cum[mid] > x:
                hi = mid
            else:
                lo = mid + 1
        return lo

    people = []  # (email, account index or -1, created_at, owner)
    people_rows = []
    for i in range(a.people):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        if rng.random() < 0.04:
            account, domain = -1, rng.choice(FREE_MAIL)
        else:
            account = pick_account()
            domain = f"company{account}.example"
        email = f"{first}.{last}.{i}@{domain}"
        created = YEAR_START + rng.random() * (YEAR_END - YEAR_START - 20 * DAY)
        owner = rng.choice(owners)
        title = rng.choice(FIT_TITLES) if rng.random() < 0.3 else rng.choice(OTHER_TITLES)
        company = f"Company {account}" if account >= 0 else ""
        people.append((email, account, created, owner))
        people_rows.append([f"P{i:07d}", email, first.title(), last.title(), title, company, owner, rng.choice(STAGES), iso(created)])

    # Touches per person: at least one, skewed (exponential), scaled to N exactly.
    raw = [rng.expovariate(1.0) ** 1.5 for _ in range(a.people)]
    scale = (a.n - a.people) / sum(raw)
    counts = [1 + int(r * scale) for r in raw]
    diff = a.n - sum(counts)
    while diff > 0:
        counts[rng.randrange(a.people)] += 1
        diff -= 1

    # Opportunities: ~5% of the accounts, on a person of that account.
    members = {}
    for pi, (_, account, _, _) in enumerate(people):
        if account >= 0:
            members.setdefault(account, []).append(pi)
    opp_accounts = sorted(rng.sample(sorted(members), max(1, len(members) // 20)))
    opp_of = {}  # person index -> list of (action, opp id, value)
    won = 0
    for account in opp_accounts:
        pi = rng.choice(members[account])
        value = float(rng.randint(5, 200) * 1000)
        events = [("opportunity.created", f"OPP{account:06d}", value)]
        if rng.random() < 0.4:
            events.append(("opportunity.won", f"OPP{account:06d}", value))
            won += 1
        opp_of[pi] = events

    pick_mkt = weighted(rng, CHANNELS_MARKETING)
    pick_sales = weighted(rng, CHANNELS_SALES)
    rows = []  # (time, email, channel, action, side, campaign, content, owner, value, attributes)

    def marketing(t, email):
        _, channel, action, with_campaign = pick_mkt()
        campaign = rng.choice(campaigns) if with_campaign else ""
        content = ""
        if action == "form.submitted":
            content = rng.choice(FORMS)
        elif action == "content.downloaded":
            content = f"Ebook {rng.randint(1, 12)}"
        elif action == "web.visit":
            content = rng.choice(["/", "/pricing", "/product", "/blog/post-%d" % rng.randint(1, 50), "/customers"])
        rows.append((t, email, channel, action, "marketing", campaign, content, "", "", ""))

    def sales(t, email, owner):
        _, channel, action = pick_sales()
        rows.append((t, email, channel, action, "sales", "", "", owner, "", ""))

    for pi, (email, account, created, owner) in enumerate(people):
        k = counts[pi]
        opp = opp_of.get(pi, [])
        k_touch = max(1, k - len(opp))  # N is made exact below
        goes_sales = account >= 0 and (rng.random() < 0.35 or bool(opp))
        hand_raise = goes_sales and rng.random() < 0.12
        n_sales = int(k_touch * rng.uniform(0.2, 0.5)) if goes_sales else 0
        n_mkt = k_touch - n_sales
        t = created
        span = (YEAR_END - created) * 0.95
        gap = span / (k_touch + 1)
        for _ in range(n_mkt):
            t = min(t + rng.expovariate(1.0 / gap), YEAR_END - 3 * DAY)
            marketing(t, email)
        if hand_raise:
            t = min(t + rng.expovariate(1.0 / DAY), YEAR_END - 2 * DAY)
            rows.append((t, email, "form", "form.submitted", "marketing", rng.choice(campaigns), rng.choice(HAND_RAISES), "", "", ""))
            if n_sales:  # else never followed up
                # The first follow-up: within hours mostly, sometimes days late.
                t = t + (rng.uniform(0.5, 20) * 3600 if rng.random() < 0.75 else rng.uniform(1.5, 6) * DAY)
                t = min(t, YEAR_END - DAY)
                sales(t, email, owner)
                n_sales -= 1
        for _ in range(n_sales):
            t = min(t + rng.expovariate(1.0 / max(gap, 3600)), YEAR_END - DAY)
            sales(t, email, owner)
        for action, opp_id, value in opp:
            t = min(t + rng.uniform(1, 20) * DAY, YEAR_END - 60)
            rows.append((t, email, "crm", action, "sales", "", "", owner, value, json.dumps({"opportunity_id": opp_id})))
    # Exactly N rows: drop random marketing rows or add marketing touches of random people.
    while len(rows) > a.n:
        i = rng.randrange(len(rows))
        if rows[i][4] == "marketing":
            rows[i] = rows[-1]
            rows.pop()
    while len(rows) < a.n:
        email, _, created, _ = people[rng.randrange(a.people)]
        marketing(created + rng.random() * (YEAR_END - created - DAY), email)

    rows.sort(key=lambda r: (r[0], r[1]))
    os.makedirs(os.path.join(a.out, "accounts"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "people"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "touchpoints"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "batch"), exist_ok=True)
    with open(os.path.join(a.out, "accounts", "accounts.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["account_id", "domain", "name", "industry", "employees", "annual_revenue"])
        w.writerows(acc_rows)
    with open(os.path.join(a.out, "people", "people.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["person_id", "email", "first_name", "last_name", "title", "company", "owner", "stage", "created_at"])
        w.writerows(people_rows)

    def write_touchpoints(path, rows, first_id):
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(TP_HEADER)
            for n, (t, email, channel, action, side, campaign, content, owner, value, attributes) in enumerate(rows):
                w.writerow([f"T{first_id + n:08d}", email, iso(t), channel, action, side, campaign, content, owner, value, attributes])

    write_touchpoints(os.path.join(a.out, "touchpoints", "touchpoints.csv"), rows, 0)
    opportunities = sum(1 for r in rows if r[3] == "opportunity.created")
    won = sum(1 for r in rows if r[3] == "opportunity.won")
    n_rows = len(rows)
    del rows

    # The next export: touches of random existing people in the first days of 2026.
    batch = []
    persons = set()
    for _ in range(a.batch):
        pi = rng.randrange(a.people)
        persons.add(pi)
        email, account, _, owner = people[pi]
        t = YEAR_END + rng.random() * 5 * DAY
        if account >= 0 and rng.random() < 0.2:
            _, channel, action = pick_sales()
            batch.append((t, email, channel, action, "sales", "", "", owner, "", ""))
        else:
            _, channel, action, with_campaign = pick_mkt()
            batch.append((t, email, channel, action, "marketing", rng.choice(campaigns) if with_campaign else "", "", "", "", ""))
    batch.sort(key=lambda r: (r[0], r[1]))
    write_touchpoints(os.path.join(a.out, "batch", "batch.csv"), batch, n_rows)

    print(f"people={a.people} accounts={a.accounts} touchpoints={n_rows} batch={len(batch)} "
          f"persons_in_batch={len(persons)} opportunities={opportunities} won={won}")


if __name__ == "__main__":
    main()
