#!/usr/bin/env python3
"""Deterministic cross-system identity data for the identity benchmark, in the real export columns.

P people. Every person has a Marketo lead (id, email, some in messy case); half also a Salesforce
lead (15-character id; half of those Marketo leads keep it as sfdcLeadId, the rest link by email
only); 40% a HubSpot contact (email in another case). Of the HubSpot contacts, 1% write from a
shared mailbox (info@…: never a link, so a person of their own) and 0.5% have a duplicate contact
with the same email (a same-system conflict: a person of its own). N Marketo activities reference
the Marketo leads. Prints `persons=<expected> identifiers=<expected> activities=<distinct>`.

Writes OUTDIR/sf/Lead.csv, OUTDIR/hs/contacts.csv, OUTDIR/mkto/leads.csv, OUTDIR/mkto/activities.csv,
and OUTDIR/update/leads-update.csv (10% of Marketo leads with a new email, a later version).

Usage: gen_identity.py N P OUTDIR [--seed S]
"""
import argparse, csv, datetime as dt, os, random

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

def sf_id(prefix, i):
    digits = ""
    for _ in range(12):
        digits = B62[i % 62] + digits
        i //= 62
    return prefix + digits

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("n", type=int)
    ap.add_argument("people", type=int)
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=11)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    for d in ["sf", "hs", "mkto", "update"]:
        os.makedirs(os.path.join(a.outdir, d), exist_ok=True)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")
    persons = a.people
    identifiers = 0
    emails = {}
    sf = open(os.path.join(a.outdir, "sf/Lead.csv"), "w", newline="", encoding="utf-8")
    hs = open(os.path.join(a.outdir, "hs/contacts.csv"), "w", newline="", encoding="utf-8")
    mk = open(os.path.join(a.outdir, "mkto/leads.csv"), "w", newline="", encoding="utf-8")
    up = open(os.path.join(a.outdir, "update/leads-update.csv"), "w", newline="", encoding="utf-8")
    sfw = csv.writer(sf, lineterminator="\n", quoting=csv.QUOTE_ALL)
    hsw, mkw, upw = (csv.writer(f, lineterminator="\n") for f in (hs, mk, up))
    sfw.writerow(["Id", "IsDeleted", "LastName", "FirstName", "Email", "Company", "Status", "IsConverted", "CreatedDate", "SystemModstamp"])
    hsw.writerow(["Record ID", "First Name", "Last Name", "Email", "Company Name", "Create Date", "Last Modified Date"])
    header = "id,firstName,lastName,email,company,title,leadSource,leadScore,unsubscribed,sfdcLeadId,sfdcContactId,createdAt,updatedAt".split(",")
    mkw.writerow(header)
    upw.writerow(header)
    for i in range(1, a.people + 1):
        email = f"person{i}@company{i % 997}.example"
        created = start + dt.timedelta(minutes=i)
        shown = "  " + email.upper() + " " if rnd.random() < 0.05 else email
        sfdc = "null"
        identifiers += 2  # Marketo id, email
        if rnd.random() < 0.5:
            lead = sf_id("00Q", i)
            sfw.writerow([lead, "false", f"Last{i}", f"First{i}", email.capitalize(), f"Company {i % 997}", "Open",
                          "false", created.strftime("%Y-%m-%dT%H:%M:%S.000Z"), created.strftime("%Y-%m-%dT%H:%M:%S.000Z")])
            identifiers += 1
            if rnd.random() < 0.5:
                sfdc = lead
        mkw.writerow([i, f"First{i}", f"Last{i}", shown, f"Company {i % 997}", "Manager", "Web", rnd.randint(0, 120),
                      "false", sfdc, "null", iso(created), iso(created)])
        if rnd.random() < 0.1:
            later = created + dt.timedelta(days=200)
            upw.writerow([i, f"First{i}", f"Last{i}", f"p{i}.new@company{i % 997}.example", f"Company {i % 997}", "Director",
                          "Web", rnd.randint(0, 120), "false", sfdc, "null", iso(created), iso(later)])
        if rnd.random() < 0.4:
            stamp = (created + dt.timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
            r = rnd.random()
            if r < 0.01:
                hsw.writerow([50_000_000 + i, f"First{i}", f"Last{i}", f"info@company{i % 997}.example", "", stamp, stamp])
                persons += 1
                identifiers += 1  # the contact id; the shared mailbox links nothing
            else:
                hsw.writerow([50_000_000 + i, f"First{i}", f"Last{i}", email.title(), "", stamp, stamp])
                identifiers += 1
                if r < 0.015:
                    hsw.writerow([60_000_000 + i, f"First{i}", f"Last{i} (dup)", email, "", stamp, stamp])
                    persons += 1
                    identifiers += 1
    for f in (sf, hs, mk, up):
        f.close()
    distinct = 0
    with open(os.path.join(a.outdir, "mkto/activities.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow("marketoGUID,leadId,activityDate,activityTypeId,campaignId,primaryAttributeValueId,primaryAttributeValue,attributes".split(","))
        t = start
        for guid in range(1_000_001, 1_000_001 + a.n):
            t += dt.timedelta(seconds=rnd.randint(1, 30))
            w.writerow([guid, rnd.randint(1, a.people), iso(t), rnd.choice([1, 6, 7, 10, 11]), "null", rnd.randint(1, 5000),
                        f"Asset {rnd.randint(1, 300)}", "null"])
            distinct += 1
    print(f"persons={persons} identifiers={identifiers} activities={distinct}")

if __name__ == "__main__":
    main()
