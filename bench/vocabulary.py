"""Words, places and names the synthetic data is made of (bench/generate.py).

English prose with the Lithuanian names and terms a Baltic archive is full of,
accents included, so that search meets "Šiauliai" as well as "drone". The
search benchmark finds a common word ("drone", in about half the summaries), a
rare one ("Vaivorykštė", planted in one entry in 4,000) and everything in
between.
"""

# (name, ISO code, latitude, longitude): where incidents happen and exercises
# are held. Lithuanian places dominate, as in the real archive.
PLACES = [
    ("Vilnius", "LT", 54.6872, 25.2797),
    ("Kaunas", "LT", 54.8985, 23.9036),
    ("Klaipėda", "LT", 55.7033, 21.1443),
    ("Šiauliai", "LT", 55.9349, 23.3137),
    ("Panevėžys", "LT", 55.7348, 24.3575),
    ("Alytus", "LT", 54.3963, 24.0459),
    ("Marijampolė", "LT", 54.5599, 23.3541),
    ("Utena", "LT", 55.4977, 25.5992),
    ("Druskininkai", "LT", 54.0168, 23.9735),
    ("Visaginas", "LT", 55.5986, 26.4381),
    ("Rukla", "LT", 55.0333, 24.3833),
    ("Pabradė", "LT", 54.9833, 25.7667),
    ("Šalčininkai", "LT", 54.3093, 25.3856),
    ("Medininkai", "LT", 54.5398, 25.6473),
    ("Lazdijai", "LT", 54.2343, 23.5156),
    ("Kybartai", "LT", 54.6383, 22.7589),
    ("Nida", "LT", 55.3039, 21.0059),
    ("Palanga", "LT", 55.9175, 21.0686),
    ("Mažeikiai", "LT", 56.3109, 22.3414),
    ("Jonava", "LT", 55.0727, 24.2797),
    ("Riga", "LV", 56.9496, 24.1052),
    ("Daugavpils", "LV", 55.8747, 26.5362),
    ("Liepāja", "LV", 56.5047, 21.0108),
    ("Ādaži", "LV", 57.0750, 24.3217),
    ("Tallinn", "EE", 59.4370, 24.7536),
    ("Narva", "EE", 59.3772, 28.1903),
    ("Tapa", "EE", 59.2608, 25.9589),
    ("Gdańsk", "PL", 54.3520, 18.6466),
    ("Suwałki", "PL", 54.1115, 22.9308),
    ("Białystok", "PL", 53.1325, 23.1688),
    ("Kaliningrad", "RU", 54.7104, 20.4522),
    ("Baltiysk", "RU", 54.6530, 19.9146),
    ("Pskov", "RU", 57.8194, 28.3318),
    ("Grodno", "BY", 53.6694, 23.8131),
    ("Astravyets", "BY", 54.6136, 25.9553),
    ("Gotland", "SE", 57.4684, 18.4867),
    ("Helsinki", "FI", 60.1699, 24.9384),
    ("Bornholm", "DK", 55.1304, 14.9225),
]

# Countries the generator needs, with the English and Lithuanian names the
# seed data (fixtures/countries.yaml) gives them; used when it is not loaded.
COUNTRIES = [
    ("LT", "Lithuania", "Lietuva"),
    ("LV", "Latvia", "Latvija"),
    ("EE", "Estonia", "Estija"),
    ("PL", "Poland", "Lenkija"),
    ("FI", "Finland", "Suomija"),
    ("SE", "Sweden", "Švedija"),
    ("DK", "Denmark", "Danija"),
    ("NO", "Norway", "Norvegija"),
    ("DE", "Germany", "Vokietija"),
    ("NL", "Netherlands", "Nyderlandai"),
    ("BE", "Belgium", "Belgija"),
    ("FR", "France", "Prancūzija"),
    ("GB", "United Kingdom", "Jungtinė Karalystė"),
    ("US", "United States", "Jungtinės Amerikos Valstijos"),
    ("CA", "Canada", "Kanada"),
    ("CZ", "Czechia", "Čekija"),
    ("IT", "Italy", "Italija"),
    ("ES", "Spain", "Ispanija"),
    ("PT", "Portugal", "Portugalija"),
    ("HU", "Hungary", "Vengrija"),
    ("RO", "Romania", "Rumunija"),
    ("UA", "Ukraine", "Ukraina"),
    ("RU", "Russia", "Rusija"),
    ("BY", "Belarus", "Baltarusija"),
    ("CN", "China", "Kinija"),
]

# Targets, weighted: Lithuania in most entries, its neighbours often.
TARGET_WEIGHTS = [
    ("LT", 60),
    ("LV", 12),
    ("EE", 10),
    ("PL", 10),
    ("FI", 3),
    ("SE", 3),
    ("DE", 2),
    ("DK", 1),
    ("NO", 1),
    ("UA", 2),
]

NATO_MEMBERS = [
    "LT",
    "LV",
    "EE",
    "PL",
    "FI",
    "SE",
    "DK",
    "NO",
    "DE",
    "NL",
    "BE",
    "FR",
    "GB",
    "US",
    "CA",
    "CZ",
    "IT",
    "ES",
    "PT",
    "HU",
    "RO",
]

# (slug, name, kind, country, weight)
ACTORS = [
    ("russia", "Russia", "state", "RU", 40),
    ("belarus", "Belarus", "state", "BY", 15),
    ("unknown", "Unknown", "unknown", None, 10),
    ("gru", "GRU (Russian military intelligence)", "state_affiliated", "RU", 7),
    ("fsb", "FSB (Russian Federal Security Service)", "state_affiliated", "RU", 4),
    ("svr", "SVR (Russian Foreign Intelligence Service)", "state_affiliated", "RU", 2),
    ("china", "China", "state", "CN", 4),
    ("killnet", "Killnet", "non_state", "RU", 4),
    ("noname057-16", "NoName057(16)", "non_state", "RU", 4),
    ("ghostwriter", "Ghostwriter", "state_affiliated", "BY", 3),
    ("wagner-group", "Wagner Group", "non_state", "RU", 2),
    ("apt28", "APT28 (Fancy Bear)", "state_affiliated", "RU", 3),
    ("apt29", "APT29 (Cozy Bear)", "state_affiliated", "RU", 2),
]

ATTRIBUTED_BY = [
    "Lithuanian State Security Department (VSD)",
    "Second Investigation Department (AOTD)",
    "National Cyber Security Centre (NKSC)",
    "Ministry of National Defence",
    "Ministry of Foreign Affairs",
    "Prosecutor General's Office",
    "State Border Guard Service (VSAT)",
    "Latvian State Security Service",
    "Estonian Internal Security Service (KAPO)",
    "Polish Internal Security Agency (ABW)",
    "NATO",
    "European Union",
    "Mandiant",
    "the actor itself",
]

ATTRIBUTION_CONFIDENCES = [
    ("official_assessment", 40),
    ("suspected", 30),
    ("claimed", 10),
    ("confirmed", 7),
    ("self_declared", 5),
    ("disputed", 5),
    ("not_attributed", 3),
]

# (name, web domain, caution shown next to its sources, Admiralty reliability
# letter ("" = not rated yet), relays other publishers' texts). The letters are
# what a reviewer would plausibly give; the benchmark only needs a spread.
PUBLISHERS = [
    ("LRT", "lrt.lt", "", "B", False),
    ("Delfi", "delfi.lt", "", "C", False),
    ("15min", "15min.lt", "", "C", False),
    ("BNS", "bns.lt", "", "B", False),
    ("National Cyber Security Centre", "nksc.lt", "", "A", False),
    ("Ministry of National Defence", "kam.lt", "", "B", False),
    ("State Security Department", "vsd.lt", "", "B", False),
    ("Reuters", "reuters.com", "", "A", False),
    ("ERR News", "news.err.ee", "", "B", False),
    ("LSM", "lsm.lv", "", "B", False),
    ("Politico Europe", "politico.eu", "", "C", False),
    ("Notes from Poland", "notesfrompoland.com", "", "C", False),
    ("The Record", "therecord.media", "", "", False),
    ("Jamestown Foundation", "jamestown.org", "", "C", False),
    ("MSN", "msn.com", "Aggregator: carries other outlets' stories", "F", True),
    ("Sputnik", "sputniknews.com", "Russian state media", "E", False),
    ("News Front", "news-front.su", "Pro-Kremlin outlet", "E", False),
    ("BelTA", "belta.by", "Belarusian state news agency", "D", False),
]

# A category's titles: "{place}" is the location, "{target}" what was hit.
TITLES = {
    "cyber-attack": [
        "DDoS attack on {target}",
        "Ransomware attack on {target}",
        "Phishing campaign against {target}",
        "Data breach at {target}",
        "Website defacement of {target}",
    ],
    "disinformation": [
        "Fake news about NATO troops in {place}",
        "Forged letter attributed to {target}",
        "Deepfake video targeting {target}",
        "Coordinated inauthentic accounts push claims about {place}",
    ],
    "hybrid-operation": [
        "Smuggling balloons from Belarus over {place}",
        "Bomb threats emailed to schools in {place}",
        "Arson attempt at a warehouse in {place}",
        "Drone sightings over military sites near {place}",
    ],
    "instrumentalised-migration": [
        "Migrants pushed across the border near {place}",
        "Border crossings from Belarus surge near {place}",
    ],
    "airspace-violation": [
        "Drone crosses into the airspace near {place}",
        "Military aircraft violates airspace near {place}",
        "Drone crashes near {place}",
    ],
    "maritime-incident": [
        "Undersea cable damaged near {place}",
        "Shadow fleet tanker loiters off {place}",
        "Anchor drag damages pipeline near {place}",
    ],
    "sabotage": [
        "Railway line sabotaged near {place}",
        "Parcel fire at a logistics hub in {place}",
        "Arson at a shopping centre in {place}",
    ],
    "gps-interference": [
        "GPS jamming over {place}",
        "GNSS interference disrupts flights to {place}",
        "GPS spoofing reported by ships near {place}",
    ],
    "military-build-up": [
        "Troop build-up reported near {place}",
        "Missile systems moved closer to {place}",
        "Snap exercise near {place}",
    ],
    "espionage": [
        "Spy detained in {place}",
        "Recruitment attempt targeting staff of {target}",
        "Surveillance of a military base near {place}",
    ],
    "energy-coercion": [
        "Gas supply pressure on {target}",
        "Power grid incident before synchronisation, {place}",
    ],
    "economic-coercion": [
        "Trade restrictions hit exporters in {place}",
        "Transit restrictions affect {target}",
    ],
}

TARGETS = [
    "Lithuanian Railways",
    "the Seimas",
    "the Ministry of National Defence",
    "Klaipėda State Seaport",
    "Vilnius Airport",
    "Ignitis Group",
    "the State Tax Inspectorate",
    "LRT",
    "Šiaulių bankas",
    "Vilnius University",
    "the Government of Lithuania",
    "Lithuanian municipalities",
    "Amber Grid",
    "Litgrid",
    "the Bank of Lithuania",
    "Telia Lietuva",
]

# Sentences a summary is built of. "{place}", "{target}", "{actor}" are filled in.
SENTENCES = [
    "Authorities in {place} reported the incident and opened a pre-trial investigation.",
    "The National Cyber Security Centre said the attack on {target} lasted several hours.",
    "According to officials, the operation was coordinated and aimed at {target}.",
    "Local media described it as a „kibernetinė ataka“ against public services.",
    "Residents of {place} were told to follow instructions from the Priešgaisrinės apsaugos ir gelbėjimo departamentas.",
    "Investigators linked the activity to {actor}, which denied any involvement.",
    "The Valstybės sienos apsaugos tarnyba recorded the crossings near {place}.",
    "Several flights to {place} were delayed while air traffic control checked the signals.",
    "A drone was seen over the area shortly before the incident, according to witnesses.",
    "The State Security Department warned that similar attempts are likely to continue.",
    "Officials in Vilnius summoned the chargé d'affaires to protest.",
    "The Nacionalinio saugumo ir gynybos komitetas of the Seimas discussed the case behind closed doors.",
    "Experts noted that the tactics resembled earlier campaigns in Latvia and Estonia.",
    "Police detained two suspects and seized equipment, including a drone and radio gear.",
    "The incident followed weeks of heightened tension along the border with Belarus.",
    "NATO allies were informed through the Alliance's consultation mechanisms.",
    "Pranešimas apie įvykį buvo paskelbtas oficialioje svetainėje.",
    "Messages in Lithuanian and Russian spread claims that „Lietuvos kariuomenė“ was withdrawing.",
    "The disruption affected ticket sales and the timetable for most of the day.",
    "Shipping in the Baltic Sea continued, but vessels were asked to report anomalies.",
    "A spokesperson for {target} said no personal data had been lost.",
    "Analysts saw the episode as part of a wider hybrid campaign against the region.",
    "Signals of GPS jamming were recorded by aircraft approaching {place}.",
    "The Ministry of Foreign Affairs called it a deliberate provocation by {actor}.",
    "Žurnalistai pastebėjo, kad panašūs incidentai kartojasi kas kelias savaites.",
    "The case was referred to the Prosecutor General's Office for further investigation.",
    "Border guards near Šalčininkai and Medininkai reported increased activity.",
    "Officials in Klaipėda reviewed security at the port and the LNG terminal.",
    "The military said a drone had entered from the direction of {place} and crashed in a field.",
    "Community volunteers in Šiauliai helped document the damage for insurers.",
]

# Planted exactly: one entry in RARE_EVERY names the rare operation.
RARE_WORD = "Vaivorykštė"
RARE_EVERY = 4000
RARE_SENTENCE = f"Investigators code-named the case „{RARE_WORD}“."

EXERCISE_SERIES = [
    ("iron-wolf", "Iron Wolf"),
    ("baltops", "BALTOPS"),
    ("saber-strike", "Saber Strike"),
    ("summer-shield", "Summer Shield"),
    ("open-spirit", "Open Spirit"),
    ("spring-storm", "Spring Storm"),
    ("flaming-sword", "Flaming Sword"),
    ("cyber-coalition", "Cyber Coalition"),
    ("amber-hope", "Amber Hope"),
    ("thunder-storm", "Thunder Storm"),
    ("locked-shields", "Locked Shields"),
    ("defender-europe", "Defender Europe"),
    ("griffin-lightning", "Griffin Lightning"),
    ("namejs", "Namejs"),
    ("hedgehog", "Hedgehog (Siil)"),
]

EXERCISE_WORDS = [
    "Amber",
    "Thunder",
    "Northern",
    "Baltic",
    "Steel",
    "Swift",
    "Iron",
    "Silent",
    "Coastal",
    "Winter",
    "Geležinis",
    "Žalgiris",
    "Perkūnas",
    "Vytis",
]

EXERCISE_NOUNS = [
    "Shield",
    "Response",
    "Arrow",
    "Guardian",
    "Falcon",
    "Bridge",
    "Strike",
    "Sentinel",
    "Wolf",
    "Resolve",
]

EXERCISE_SENTENCES = [
    "Troops from {countries} trained together at {place}.",
    "The exercise tested the reception of allied reinforcements in Lithuania.",
    "Units practised river crossings near {place} and night operations.",
    "Air defence teams rehearsed the protection of critical infrastructure.",
    "Lietuvos kariuomenė hosted the exercise with its allies.",
    "Naval units conducted mine countermeasures in the Baltic Sea.",
    "The scenario included a hybrid attack on transport hubs and a drone threat.",
    "Cyber defence teams joined the exercise from Vilnius and Tallinn.",
    "Civil authorities in {place} took part in host nation support drills.",
    "The Lithuanian Riflemen's Union (Lietuvos šaulių sąjunga) supported the training.",
]

ORGANISATION_KINDS = [
    "military_alliance",
    "regional_format",
    "framework_nation_format",
    "centre_of_excellence",
    "multinational_unit",
    "capability_coalition",
    "other",
]

AGREEMENT_TYPES = [
    "defence_cooperation",
    "memorandum",
    "letter_of_intent",
    "security_agreement",
    "procurement_contract",
    "treaty",
    "roadmap",
]
