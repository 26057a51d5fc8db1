/// Countries and SIC codes, for ideal-customer-profile fit by location and industry code.
///
/// `persons.country` is the person's country (ISO 3166-1 alpha-2 when the text names a known
/// country, else as written); `accounts.country` the company's, `accounts.sic_code` its leading
/// SIC digits. A person record keeps what it says about the person's company (a Salesforce
/// lead's Industry and NumberOfEmployees, a Marketo lead's sicCode): the fit definitions fall back
/// to those when the account does not say.
enum M0013_Firmographics {
    static let identifier = "0013_firmographics"

    static let sql = """
        ALTER TABLE persons ADD COLUMN country TEXT;
        ALTER TABLE accounts ADD COLUMN country TEXT;
        ALTER TABLE accounts ADD COLUMN sic_code TEXT;
        ALTER TABLE account_records ADD COLUMN country TEXT;
        ALTER TABLE account_records ADD COLUMN sic_code TEXT;
        ALTER TABLE person_records ADD COLUMN country TEXT;
        ALTER TABLE person_records ADD COLUMN industry TEXT;
        ALTER TABLE person_records ADD COLUMN employees INTEGER;
        ALTER TABLE person_records ADD COLUMN annual_revenue REAL;
        ALTER TABLE person_records ADD COLUMN sic_code TEXT;
        """
}
