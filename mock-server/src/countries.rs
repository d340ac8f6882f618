//! The 194 countries of the book's flags, with the fields of each flag's
//! `metadata.json` (`tld_cc`, `iso_cc`, `country`, `gec_cc`).
//!
//! Source: every `countries/flags/{cc}/metadata.json` in the book author's `ramalho/platespinning`.

/// One country as the book's `metadata.json` describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Country {
    /// Internet country TLD, with its dot: `.bd` (`.uk` for GB).
    pub tld_cc: &'static str,
    /// ISO 3166-1 alpha-2 code, upper case: `BD`.
    pub iso_cc: &'static str,
    /// Country name; the book's flags3 names files after it.
    pub country: &'static str,
    /// CIA World Factbook (GEC) code: `BG` for Bangladesh.
    pub gec_cc: &'static str,
}

/// The 194 countries, sorted by `iso_cc`.
pub const COUNTRIES: [Country; 194] = [
    c(".ad", "AD", "Andorra", "AN"),
    c(".ae", "AE", "United Arab Emirates", "AE"),
    c(".af", "AF", "Afghanistan", "AF"),
    c(".ag", "AG", "Antigua and Barbuda", "AC"),
    c(".al", "AL", "Albania", "AL"),
    c(".am", "AM", "Armenia", "AM"),
    c(".ao", "AO", "Angola", "AO"),
    c(".ar", "AR", "Argentina", "AR"),
    c(".at", "AT", "Austria", "AU"),
    c(".au", "AU", "Australia", "AS"),
    c(".az", "AZ", "Azerbaijan", "AJ"),
    c(".ba", "BA", "Bosnia and Herzegovina", "BK"),
    c(".bb", "BB", "Barbados", "BB"),
    c(".bd", "BD", "Bangladesh", "BG"),
    c(".be", "BE", "Belgium", "BE"),
    c(".bf", "BF", "Burkina Faso", "UV"),
    c(".bg", "BG", "Bulgaria", "BU"),
    c(".bh", "BH", "Bahrain", "BA"),
    c(".bi", "BI", "Burundi", "BY"),
    c(".bj", "BJ", "Benin", "BN"),
    c(".bn", "BN", "Brunei Darussalam", "BX"),
    c(".bo", "BO", "Bolivia", "BL"),
    c(".br", "BR", "Brazil", "BR"),
    c(".bs", "BS", "Bahamas", "BF"),
    c(".bt", "BT", "Bhutan", "BT"),
    c(".bw", "BW", "Botswana", "BC"),
    c(".by", "BY", "Belarus", "BO"),
    c(".bz", "BZ", "Belize", "BH"),
    c(".ca", "CA", "Canada", "CA"),
    c(".cd", "CD", "Congo (Kinshasa)", "CG"),
    c(".cf", "CF", "Central African Republic", "CT"),
    c(".cg", "CG", "Congo (Brazzaville)", "CF"),
    c(".ch", "CH", "Switzerland", "SZ"),
    c(".ci", "CI", "Côte d'Ivoire", "IV"),
    c(".cl", "CL", "Chile", "CI"),
    c(".cm", "CM", "Cameroon", "CM"),
    c(".cn", "CN", "China", "CH"),
    c(".co", "CO", "Colombia", "CO"),
    c(".cr", "CR", "Costa Rica", "CS"),
    c(".cu", "CU", "Cuba", "CU"),
    c(".cv", "CV", "Cape Verde", "CV"),
    c(".cy", "CY", "Cyprus", "CY"),
    c(".cz", "CZ", "Czech Republic", "EZ"),
    c(".de", "DE", "Germany", "GM"),
    c(".dj", "DJ", "Djibouti", "DJ"),
    c(".dk", "DK", "Denmark", "DA"),
    c(".dm", "DM", "Dominica", "DO"),
    c(".dz", "DZ", "Algeria", "AG"),
    c(".ec", "EC", "Ecuador", "EC"),
    c(".ee", "EE", "Estonia", "EN"),
    c(".eg", "EG", "Egypt", "EG"),
    c(".er", "ER", "Eritrea", "ER"),
    c(".es", "ES", "Spain", "SP"),
    c(".et", "ET", "Ethiopia", "ET"),
    c(".fi", "FI", "Finland", "FI"),
    c(".fj", "FJ", "Fiji", "FJ"),
    c(".fm", "FM", "Micronesia", "FM"),
    c(".fr", "FR", "France", "FR"),
    c(".ga", "GA", "Gabon", "GB"),
    c(".uk", "GB", "United Kingdom", "UK"),
    c(".gd", "GD", "Grenada", "GJ"),
    c(".ge", "GE", "Georgia", "GG"),
    c(".gh", "GH", "Ghana", "GH"),
    c(".gm", "GM", "Gambia", "GA"),
    c(".gn", "GN", "Guinea", "GV"),
    c(".gq", "GQ", "Equatorial Guinea", "EK"),
    c(".gr", "GR", "Greece", "GR"),
    c(".gt", "GT", "Guatemala", "GT"),
    c(".gw", "GW", "Guinea-Bissau", "PU"),
    c(".gy", "GY", "Guyana", "GY"),
    c(".hn", "HN", "Honduras", "HO"),
    c(".hr", "HR", "Croatia", "HR"),
    c(".ht", "HT", "Haiti", "HA"),
    c(".hu", "HU", "Hungary", "HU"),
    c(".id", "ID", "Indonesia", "ID"),
    c(".ie", "IE", "Ireland", "EI"),
    c(".il", "IL", "Israel", "IS"),
    c(".in", "IN", "India", "IN"),
    c(".iq", "IQ", "Iraq", "IZ"),
    c(".ir", "IR", "Iran", "IR"),
    c(".is", "IS", "Iceland", "IC"),
    c(".it", "IT", "Italy", "IT"),
    c(".jm", "JM", "Jamaica", "JM"),
    c(".jo", "JO", "Jordan", "JO"),
    c(".jp", "JP", "Japan", "JA"),
    c(".ke", "KE", "Kenya", "KE"),
    c(".kg", "KG", "Kyrgyzstan", "KG"),
    c(".kh", "KH", "Cambodia", "CB"),
    c(".ki", "KI", "Kiribati", "KR"),
    c(".km", "KM", "Comoros", "CN"),
    c(".kn", "KN", "Saint Kitts and Nevis", "SC"),
    c(".kp", "KP", "Korea, North", "KN"),
    c(".kr", "KR", "Korea, South", "KS"),
    c(".kw", "KW", "Kuwait", "KU"),
    c(".kz", "KZ", "Kazakhstan", "KZ"),
    c(".la", "LA", "Laos", "LA"),
    c(".lb", "LB", "Lebanon", "LE"),
    c(".lc", "LC", "Saint Lucia", "ST"),
    c(".li", "LI", "Liechtenstein", "LS"),
    c(".lk", "LK", "Sri Lanka", "CE"),
    c(".lr", "LR", "Liberia", "LI"),
    c(".ls", "LS", "Lesotho", "LT"),
    c(".lt", "LT", "Lithuania", "LH"),
    c(".lu", "LU", "Luxembourg", "LU"),
    c(".lv", "LV", "Latvia", "LG"),
    c(".ly", "LY", "Libya", "LY"),
    c(".ma", "MA", "Morocco", "MO"),
    c(".mc", "MC", "Monaco", "MN"),
    c(".md", "MD", "Moldova", "MD"),
    c(".me", "ME", "Montenegro", "MJ"),
    c(".mg", "MG", "Madagascar", "MA"),
    c(".mh", "MH", "Marshall Islands", "RM"),
    c(".mk", "MK", "Macedonia", "MK"),
    c(".ml", "ML", "Mali", "ML"),
    c(".mm", "MM", "Myanmar", "BM"),
    c(".mn", "MN", "Mongolia", "MG"),
    c(".mr", "MR", "Mauritania", "MR"),
    c(".mt", "MT", "Malta", "MT"),
    c(".mu", "MU", "Mauritius", "MP"),
    c(".mv", "MV", "Maldives", "MV"),
    c(".mw", "MW", "Malawi", "MI"),
    c(".mx", "MX", "Mexico", "MX"),
    c(".my", "MY", "Malaysia", "MY"),
    c(".mz", "MZ", "Mozambique", "MZ"),
    c(".na", "NA", "Namibia", "WA"),
    c(".ne", "NE", "Niger", "NG"),
    c(".ng", "NG", "Nigeria", "NI"),
    c(".ni", "NI", "Nicaragua", "NU"),
    c(".nl", "NL", "Netherlands", "NL"),
    c(".no", "NO", "Norway", "NO"),
    c(".np", "NP", "Nepal", "NP"),
    c(".nr", "NR", "Nauru", "NR"),
    c(".nz", "NZ", "New Zealand", "NZ"),
    c(".om", "OM", "Oman", "MU"),
    c(".pa", "PA", "Panama", "PM"),
    c(".pe", "PE", "Peru", "PE"),
    c(".pg", "PG", "Papua New Guinea", "PP"),
    c(".ph", "PH", "Philippines", "RP"),
    c(".pk", "PK", "Pakistan", "PK"),
    c(".pl", "PL", "Poland", "PL"),
    c(".pt", "PT", "Portugal", "PO"),
    c(".pw", "PW", "Palau", "PS"),
    c(".py", "PY", "Paraguay", "PA"),
    c(".qa", "QA", "Qatar", "QA"),
    c(".ro", "RO", "Romania", "RO"),
    c(".rs", "RS", "Serbia", "RI"),
    c(".ru", "RU", "Russian Federation", "RS"),
    c(".rw", "RW", "Rwanda", "RW"),
    c(".sa", "SA", "Saudi Arabia", "SA"),
    c(".sb", "SB", "Solomon Islands", "BP"),
    c(".sc", "SC", "Seychelles", "SE"),
    c(".sd", "SD", "Sudan", "SU"),
    c(".se", "SE", "Sweden", "SW"),
    c(".sg", "SG", "Singapore", "SN"),
    c(".si", "SI", "Slovenia", "SI"),
    c(".sk", "SK", "Slovakia", "LO"),
    c(".sl", "SL", "Sierra Leone", "SL"),
    c(".sm", "SM", "San Marino", "SM"),
    c(".sn", "SN", "Senegal", "SG"),
    c(".so", "SO", "Somalia", "SO"),
    c(".sr", "SR", "Suriname", "NS"),
    c(".ss", "SS", "South Sudan", "OD"),
    c(".st", "ST", "Sao Tome and Principe", "TP"),
    c(".sv", "SV", "El Salvador", "ES"),
    c(".sy", "SY", "Syria", "SY"),
    c(".sz", "SZ", "Swaziland", "WZ"),
    c(".td", "TD", "Chad", "CD"),
    c(".tg", "TG", "Togo", "TO"),
    c(".th", "TH", "Thailand", "TH"),
    c(".tj", "TJ", "Tajikistan", "TI"),
    c(".tl", "TL", "Timor-Leste", "TT"),
    c(".tm", "TM", "Turkmenistan", "TX"),
    c(".tn", "TN", "Tunisia", "TS"),
    c(".to", "TO", "Tonga", "TN"),
    c(".tr", "TR", "Turkey", "TU"),
    c(".tt", "TT", "Trinidad and Tobago", "TD"),
    c(".tv", "TV", "Tuvalu", "TV"),
    c(".tw", "TW", "Taiwan", "TW"),
    c(".tz", "TZ", "Tanzania", "TZ"),
    c(".ua", "UA", "Ukraine", "UP"),
    c(".ug", "UG", "Uganda", "UG"),
    c(".us", "US", "United States of America", "US"),
    c(".uy", "UY", "Uruguay", "UY"),
    c(".uz", "UZ", "Uzbekistan", "UZ"),
    c(".va", "VA", "Vatican City", "VT"),
    c(".vc", "VC", "Grenadines", "VC"),
    c(".ve", "VE", "Venezuela", "VE"),
    c(".vn", "VN", "Vietnam", "VM"),
    c(".vu", "VU", "Vanuatu", "NH"),
    c(".ws", "WS", "Samoa", "WS"),
    c(".ye", "YE", "Yemen", "YM"),
    c(".za", "ZA", "South Africa", "SF"),
    c(".zm", "ZM", "Zambia", "ZA"),
    c(".zw", "ZW", "Zimbabwe", "ZI"),
];

const fn c(
    tld_cc: &'static str,
    iso_cc: &'static str,
    country: &'static str,
    gec_cc: &'static str,
) -> Country {
    Country {
        tld_cc,
        iso_cc,
        country,
        gec_cc,
    }
}

#[cfg(test)]
mod tests {
    use super::{COUNTRIES, Country};

    fn is_two_upper(s: &str) -> bool {
        s.len() == 2 && s.bytes().all(|b| b.is_ascii_uppercase())
    }

    fn find(iso_cc: &str) -> &'static Country {
        COUNTRIES
            .iter()
            .find(|c| c.iso_cc == iso_cc)
            .unwrap_or_else(|| panic!("no country {iso_cc}"))
    }

    #[test]
    fn there_are_194_countries() {
        assert_eq!(COUNTRIES.len(), 194);
    }

    #[test]
    fn sorted_and_unique_by_iso_cc() {
        for pair in COUNTRIES.windows(2) {
            assert!(
                pair[0].iso_cc < pair[1].iso_cc,
                "{} must come before {}",
                pair[0].iso_cc,
                pair[1].iso_cc
            );
        }
    }

    #[test]
    fn iso_cc_is_two_upper_case_letters() {
        for c in &COUNTRIES {
            assert!(is_two_upper(c.iso_cc), "bad iso_cc {:?}", c.iso_cc);
        }
    }

    #[test]
    fn tld_cc_starts_with_a_dot() {
        for c in &COUNTRIES {
            assert!(
                c.tld_cc.len() > 1 && c.tld_cc.starts_with('.'),
                "bad tld_cc {:?} for {}",
                c.tld_cc,
                c.iso_cc
            );
        }
    }

    #[test]
    fn gec_cc_is_two_upper_case_letters() {
        for c in &COUNTRIES {
            assert!(
                is_two_upper(c.gec_cc),
                "bad gec_cc {:?} for {}",
                c.gec_cc,
                c.iso_cc
            );
        }
    }

    #[test]
    fn country_is_a_usable_file_name() {
        for c in &COUNTRIES {
            assert!(!c.country.is_empty(), "empty country for {}", c.iso_cc);
            assert!(
                !c.country.contains(['/', '\\']),
                "country {:?} holds a path separator",
                c.country
            );
        }
    }

    #[test]
    fn known_entries() {
        assert_eq!(
            *find("AD"),
            Country {
                tld_cc: ".ad",
                iso_cc: "AD",
                country: "Andorra",
                gec_cc: "AN",
            }
        );
        assert_eq!(find("BD").gec_cc, "BG");
        assert_eq!(find("CD").country, "Congo (Kinshasa)");
        assert_eq!(find("CG").country, "Congo (Brazzaville)");
        assert_eq!(find("GB").tld_cc, ".uk");
        assert_eq!(find("GB").gec_cc, "UK");
    }
}
