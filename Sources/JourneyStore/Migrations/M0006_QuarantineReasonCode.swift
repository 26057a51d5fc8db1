/// `quarantine.reason_code`: a stable code per quarantined row (`QuarantineCode`), so reports
/// and dashboards group by it instead of by `reason`, which names the field and value at fault.
///
/// Rows quarantined before 0006 are backfilled from their `reason`, whose texts earlier versions
/// wrote from a fixed set. Texts that do not tell which code applies stay NULL rather than be
/// guessed: `no parseable hs_timestamp`, ``no `created` timestamp`` and `email event without a
/// valid recipient` were written for a missing and for a malformed value alike.
enum M0006_QuarantineReasonCode {
    static let identifier = "0006_quarantine_reason_code"

    static let sql = """
        ALTER TABLE quarantine ADD COLUMN reason_code TEXT;

        UPDATE quarantine SET reason_code = CASE
            WHEN reason LIKE 'malformed CSV: %' THEN 'malformed_csv'
            WHEN reason LIKE 'expected % fields as in the header, found %' THEN 'wrong_field_count'
            WHEN reason LIKE 'invalid JSON: %' OR reason LIKE 'expected a JSON object, found %'
              OR reason = 'truncated JSON at the end of the file' THEN 'malformed_json'
            WHEN reason IN ('no Id', 'no Record ID', 'no lead id', 'no marketoGUID', 'an activity type without an id', 'no id',
                            'no event id')
              OR reason LIKE 'no value in id column %' THEN 'missing_external_id'
            WHEN reason LIKE 'Id % is not a 15- or 18-character Salesforce id' THEN 'invalid_external_id'
            WHEN reason IN ('no CreatedDate', 'completed Task without a date', 'Event without StartDateTime or ActivityDateTime',
                            'CampaignMember without CreatedDate', 'no activityDate', 'no value for occurred_at')
              THEN 'missing_timestamp'
            WHEN reason LIKE 'unparseable date %' THEN 'unparseable_timestamp'
            WHEN reason IN ('no leadId', 'no person identifier') THEN 'no_identifier'
            WHEN reason LIKE 'invalid email %' THEN 'invalid_identifier'
            WHEN reason = 'no action or channel' THEN 'missing_value'
            WHEN reason LIKE 'side % is neither marketing nor sales' OR reason LIKE 'activityTypeId % is not a number'
              THEN 'invalid_value'
        END;
        """
}
