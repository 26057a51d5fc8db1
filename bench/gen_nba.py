#!/usr/bin/env python3
"""Deterministic B2B history with planted next-best-action effects, for bench/nba.sh.

A weekly simulation of --people prospects over the 78 weeks before --end (default 2025-12-29; the
benchmark passes today, so the live model has a recent history to learn from) under a
*random* historical policy: each week each open prospect gets, with probability 0.35, one action
drawn uniformly from those plausible for its stage (so the data is unconfounded, as with a
randomised policy), plus organic activity of its own. Stages move only through what the
journey store's default definitions read:

  lead  -> mql          a hand-raise form ("Request a demo") — the bench config sets
                        score_threshold: 1000, so no score or download qualifies on its own
  mql   -> sql          the first sales touch with an owner (sales accepted: mechanical)
  sql   -> opportunity  an `opportunity.created` touch on the prospect's account
  opp   -> customer     an `opportunity.won`

Planted effects (multipliers of the weekly probability of the next step, holding for the four
weeks after the action — about the 30-day horizon — so they are what the backtest measures;
the ground truth the backtest must recover):
  1. lead, a content download in the last 14 days, then a webinar invite  -> hand-raise x3.0;
     without a recent download a content offer works instead: x1.8, and a webinar invite out of
     the blue puts people off: x0.8 — the opposite of the default priors' order (webinar first
     for every lead), so the priors alone are no oracle. Half the
     offers are taken up (a download, which a later webinar invite builds on); organic
     downloads are rarer (2 % of leads a week).
  2. lead who unsubscribed earlier: email actions do nothing (x1.0) — and the guardrails must
     never suggest email to them
  3. mql whose first sales touch is a call within 14 days of the hand-raise -> opportunity x3.5
     in every later week (speed to lead; a sales email first: x1.0). With the goal `opportunity`
     the mql|hand_raise state shows it; with next_stage both reach SQL (mechanically).
  4. sql, then a sales call -> opportunity x2.0 (a meeting request: x1.2) — again against the
     default priors, which rank the meeting first for an sql.
  5. opportunity, then a meeting                                           -> won x1.6
Everything else has no effect (x1.0).

Writes OUT/people/people.csv (person_id,email,title,owner,created_at), OUT/touchpoints/
touchpoints.csv (touchpoint_id,email,occurred_at,channel,action,side,campaign,content,owner,
attributes) ordered by time, OUT/batch/batch.csv (--batch touchpoints of the week after the
history, new ids) and OUT/truth.json. Prints one line with the counts.
Standard library only.  Usage:
    python3 gen_nba.py OUT [--people 20000] [--batch 10000] [--seed 15] [--end 2025-12-29]
"""

import argparse
import csv
import datetime as dt
import json
import os
import random

WEEKS = 78
DAY = 86400.0
WEEK = 7 * DAY
FIT_TITLES = ["VP Marketing", "VP Sales", "Head of Operations", "Director of IT"]
OTHER_TITLES = ["Analyst", "Engineer", "Marketing Manager", "Coordinator"]
OWNERS = [f"rep{i:02d}@vendor.example" for i in range(1, 11)]

# The historical policy's menu per stage, and how each action shows in the data.
MENU = {
    "lead": ["nurture_email", "webinar_invite", "content_offer", "event_invite"],
    "mql": ["sales_call", "sales_email", "nurture_email", "webinar_invite"],
    "sql": ["sales_call", "sales_email", "meeting_request", "webinar_invite"],
    "opportunity": ["meeting_request", "sales_call", "sales_email"],
}
SHOWS = {
    "sales_call": ("phone", "call.outbound", "sales"),
    "sales_email": ("email", "email.sent", "sales"),
    "meeting_request": ("meeting", "meeting.held", "sales"),
    "nurture_email": ("email", "email.sent", "marketing"),
    "webinar_invite": ("email", "webinar.invited", "marketing"),
    "content_offer": ("email", "content.offered", "marketing"),
    "event_invite": ("email", "event.invited", "marketing"),
}
EMAIL_ACTIONS = {"sales_email", "nurture_email", "webinar_invite", "content_offer", "event_invite"}
BASE = {"lead": 0.02, "sql": 0.02, "opportunity": 0.05}


def iso(t):
    return dt.datetime.fromtimestamp(int(t), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out")
    ap.add_argument("--people", type=int, default=20_000)
    ap.add_argument("--batch", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--end", default="2025-12-29", help="the day the history ends (YYYY-MM-DD)")
    a = ap.parse_args()
    global START
    START = dt.datetime.strptime(a.end, "%Y-%m-%d").replace(tzinfo=dt.timezone.utc).timestamp() - WEEKS * WEEK
    rng = random.Random(a.seed)
    rows = []
    people_rows = []
    n_tp = 0

    def touch(t, email, action_name=None, channel=None, action=None, side=None, content="", owner="", attributes=""):
        nonlocal n_tp
        if action_name:
            channel, action, side = SHOWS[action_name]
        n_tp += 1
        rows.append((t, f"T{n_tp:08d}", email, channel, action, side, "", content, owner, attributes))

    for i in range(a.people):
        company = i // 3  # three people per company: buying groups happen
        email = f"p{i}@company{company}.example"
        fit = rng.random() < 0.6
        title = rng.choice(FIT_TITLES if fit else OTHER_TITLES)
        owner = rng.choice(OWNERS)
        start_week = rng.randrange(0, WEEKS - 8)
        created = START + start_week * WEEK + rng.random() * WEEK
        people_rows.append([f"N{i:07d}", email, title, owner, iso(created)])
        stage = "lead"
        unsubscribed = False
        last_download = -1e18
        last_hand_raise = -1e18
        fast_call = False
        boost, boost_until = 1.0, -1e18  # an action's effect lasts four weeks
        for w in range(start_week, WEEKS):
            t0 = START + w * WEEK
            t = max(t0, created) + rng.random() * DAY  # early in the week
            # Organic activity (the prospect's own).
            if rng.random() < 0.25:
                touch(t, email, channel="web", action="web.visit", side="marketing", content="/pricing" if rng.random() < 0.1 else "/blog")
            if stage == "lead" and rng.random() < 0.02:
                touch(t + 3600, email, channel="content", action="content.downloaded", side="marketing", content="Research report")
                last_download = t + 3600
            if not unsubscribed and rng.random() < 0.005:
                touch(t + 1800, email, channel="email", action="email.unsubscribed", side="marketing")
                unsubscribed = True
            fresh = t - last_download <= 14 * DAY  # a download in the two weeks before this week's action
            # The random policy.
            act = None
            if stage in MENU and rng.random() < 0.35:
                act = rng.choice(MENU[stage])
                ta = t + 2 * 3600
                touch(ta, email, act, owner=owner if SHOWS[act][2] == "sales" else "")
                if act == "content_offer" and not unsubscribed and rng.random() < 0.5:
                    # Half the offers are taken up: a download, which a webinar invite can build on.
                    touch(ta + 3 * 3600, email, channel="content", action="content.downloaded", side="marketing", content="Offered report")
                    last_download = ta + 3 * 3600
            tt = t + 2 * DAY  # outcomes follow within the week

            def boosted(m):
                nonlocal boost, boost_until
                if t > boost_until:
                    boost = 1.0
                boost = m if boost == 1.0 else max(boost, m)
                boost_until = t + 28 * DAY
            if t > boost_until:
                boost = 1.0
            if stage == "lead":
                emailing_works = not (unsubscribed and act in EMAIL_ACTIONS)
                if act == "webinar_invite" and emailing_works:
                    boosted(3.0 if fresh else 0.8)
                elif act == "content_offer" and emailing_works and not fresh:
                    boosted(1.8)
                p = BASE["lead"] * (1.5 if fit else 1.0) * boost
                if rng.random() < p:
                    touch(tt, email, channel="form", action="form.submitted", side="marketing", content="Request a demo")
                    last_hand_raise = tt
                    stage = "mql"
                    boost, boost_until = 1.0, -1e18
            elif stage == "mql":
                if act in ("sales_call", "sales_email"):
                    stage = "sql"  # the sales touch itself accepts the lead
                    fast_call = act == "sales_call" and t - last_hand_raise <= 14 * DAY
            elif stage == "sql":
                if act == "sales_call":
                    boosted(2.0)
                elif act == "meeting_request":
                    boosted(1.2)
                m = (3.5 if fast_call else 1.0) * boost
                if rng.random() < BASE["sql"] * m:
                    touch(tt, email, channel="crm", action="opportunity.created", side="sales", owner=owner,
                          attributes=json.dumps({"opportunity_id": f"O{i}"}))
                    stage = "opportunity"
                    boost, boost_until = 1.0, -1e18
            elif stage == "opportunity":
                if act == "meeting_request":
                    boosted(1.6)
                if rng.random() < BASE["opportunity"] * boost:
                    touch(tt, email, channel="crm", action="opportunity.won", side="sales", owner=owner,
                          attributes=json.dumps({"opportunity_id": f"O{i}"}))
                    stage = "customer"
            if stage == "customer":
                break

    rows.sort()
    os.makedirs(os.path.join(a.out, "people"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "touchpoints"), exist_ok=True)
    os.makedirs(os.path.join(a.out, "batch"), exist_ok=True)
    header = ["touchpoint_id", "email", "occurred_at", "channel", "action", "side", "campaign", "content", "owner", "attributes"]
    with open(os.path.join(a.out, "people", "people.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person_id", "email", "title", "owner", "created_at"])
        w.writerows(people_rows)
    with open(os.path.join(a.out, "touchpoints", "touchpoints.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for (t, tid, email, channel, action, side, campaign, content, owner, attributes) in rows:
            w.writerow([tid, email, iso(t), channel, action, side, campaign, content, owner, attributes])
    # The next export: web visits and opens of existing people in the week after the history.
    end = START + WEEKS * WEEK
    batch_people = set()
    with open(os.path.join(a.out, "batch", "batch.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        for j in range(a.batch):
            i = rng.randrange(a.people)
            batch_people.add(i)
            action = rng.choice(["web.visit", "email.opened", "email.clicked"])
            w.writerow([f"B{j:08d}", f"p{i}@company{i // 3}.example", iso(end + rng.random() * WEEK), action.split(".")[0], action,
                        "marketing", "", "", "", ""])
    truth = {
        "lead|content webinar_invite": 3.0, "lead (no recent download) content_offer": 1.8,
        "lead (no recent download) webinar_invite": 0.8,
        "lead unsubscribed email actions": 1.0, "mql|hand_raise sales_call (goal opportunity)": 3.5, "sql sales_call": 2.0, "sql meeting_request": 1.2,
        "opportunity meeting_request": 1.6, "everything else": 1.0,
    }
    with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, indent=2)
    print(f"people={a.people} touchpoints={len(rows)} batch={a.batch} persons_in_batch={len(batch_people)} "
          f"history_end={iso(end)}")


if __name__ == "__main__":
    main()
