#!/usr/bin/env python3
"""Writes the sample pass models of the styles other than event tickets:
boarding pass, coupon, generic, store card and a rewards card with enrollment, each with icons, logo and its style's images at
1x/2x/3x. Images are plain PNGs of the right sizes, drawn with zlib only (no imaging library)."""
import json, os, struct, zlib

here = os.path.dirname(os.path.abspath(__file__))

def png(width, height, rgb):
    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

def images(folder, name, w, h, rgb):
    for scale, suffix in ((1, ""), (2, "@2x"), (3, "@3x")):
        with open(os.path.join(folder, f"{name}{suffix}.png"), "wb") as f:
            f.write(png(w * scale, h * scale, rgb))

base = {
    "formatVersion": 1,
    "passTypeIdentifier": "pass.com.example.event",
    "teamIdentifier": "ABCDE12345",
    "webServiceURL": "https://passes.example.com/passes/",
    "authenticationToken": "sample-token-0123456789abcdefghij",
    "foregroundColor": "rgb(255, 255, 255)",
    "labelColor": "rgb(220, 220, 220)",
}

models = {
    "boarding.pass": ({
        "organizationName": "Example Air", "description": "Boarding pass LH 400",
        "backgroundColor": "rgb(20, 40, 90)", "logoText": "Example Air",
        "relevantDate": "2026-12-20T09:30+01:00", "groupingIdentifier": "LH400-2026-12-20",
        "locations": [{"latitude": 50.0379, "longitude": 8.5622, "relevantText": "Gate B22"}],
        "barcodes": [{"format": "PKBarcodeFormatPDF417", "message": "M1DOE/JANE", "messageEncoding": "iso-8859-1"}],
        "semantics": {"airlineCode": "LH", "flightNumber": 400, "departureAirportCode": "FRA", "destinationAirportCode": "JFK",
                      "originalDepartureDate": "2026-12-20T10:15+01:00"},
        "boardingPass": {
            "transitType": "PKTransitTypeAir",
            "headerFields": [{"key": "gate", "label": "GATE", "value": "B22", "changeMessage": "Gate changed to %@"}],
            "primaryFields": [{"key": "origin", "label": "Frankfurt", "value": "FRA"}, {"key": "destination", "label": "New York", "value": "JFK"}],
            "secondaryFields": [{"key": "passenger", "label": "PASSENGER", "value": "Jane Doe"}],
            "auxiliaryFields": [{"key": "boarding", "label": "BOARDING", "value": "2026-12-20T09:30+01:00", "timeStyle": "PKDateStyleShort"},
                                {"key": "seat", "label": "SEAT", "value": "23A", "textAlignment": "PKTextAlignmentRight"}],
            "backFields": [{"key": "contact", "label": "Contact", "value": "+49 69 0000 0000"}],
        }}, [("footer", 286, 15, (240, 240, 240))]),
    "coupon.pass": ({
        "organizationName": "Example Coffee", "description": "20% off coupon",
        "backgroundColor": "rgb(120, 60, 30)", "logoText": "Example Coffee",
        "expirationDate": "2027-01-31T23:59+01:00",
        "locations": [{"latitude": 52.52, "longitude": 13.405, "relevantText": "20% off around the corner"}],
        "barcodes": [{"format": "PKBarcodeFormatCode128", "message": "COUPON-20", "messageEncoding": "iso-8859-1"},
                     {"format": "PKBarcodeFormatQR", "message": "COUPON-20", "messageEncoding": "iso-8859-1"}],
        "coupon": {
            "primaryFields": [{"key": "offer", "label": "OFF", "value": 0.2, "numberStyle": "PKNumberStylePercent"}],
            "secondaryFields": [{"key": "expires", "label": "EXPIRES", "value": "2027-01-31T23:59+01:00", "dateStyle": "PKDateStyleMedium", "isRelative": True}],
            "backFields": [{"key": "terms", "label": "TERMS", "value": "One per customer. https://example.com/terms"}],
        }}, [("strip", 375, 144, (200, 120, 60))]),
    "generic.pass": ({
        "organizationName": "Example Gym", "description": "Membership card",
        "backgroundColor": "rgb(35, 35, 40)", "logoText": "Example Gym",
        "associatedStoreIdentifiers": [375380948], "appLaunchURL": "examplegym://member/M-000123",
        "userInfo": {"memberSince": 2019},
        "barcodes": [{"format": "PKBarcodeFormatAztec", "message": "M-000123", "messageEncoding": "iso-8859-1"}],
        "generic": {
            "headerFields": [{"key": "level", "label": "LEVEL", "value": "Gold"}],
            "primaryFields": [{"key": "member", "label": "MEMBER", "value": "Jane Doe"}],
            "secondaryFields": [{"key": "since", "label": "SINCE", "value": "2019"}],
            "auxiliaryFields": [{"key": "valid", "label": "VALID UNTIL", "value": "2027-06-30T00:00Z", "dateStyle": "PKDateStyleShort", "ignoresTimeZone": True}],
            "backFields": [{"key": "support", "label": "Support", "value": "(800) 555-0199", "dataDetectorTypes": ["PKDataDetectorTypePhoneNumber"]}],
        }}, [("thumbnail", 90, 90, (90, 160, 90))]),
    "storecard.pass": ({
        "organizationName": "Example Books", "description": "Store card",
        "backgroundColor": "rgb(10, 90, 80)", "logoText": "Example Books",
        "sharingProhibited": True,
        "barcodes": [{"format": "PKBarcodeFormatQR", "message": "CARD-0042", "messageEncoding": "utf-8"}],
        "storeCard": {
            "headerFields": [{"key": "points", "label": "POINTS", "value": 1200, "changeMessage": "Points balance is now %@"}],
            "primaryFields": [{"key": "balance", "label": "BALANCE", "value": 25.5, "currencyCode": "EUR", "changeMessage": "Balance is now %@"}],
            "secondaryFields": [{"key": "holder", "label": "HOLDER", "value": "Jane Doe"}],
            "backFields": [{"key": "terms", "label": "TERMS", "value": "Points expire after 24 months."}],
        }}, [("strip", 375, 144, (20, 140, 120))]),
}

for name, (extra, style_images) in models.items():
    folder = os.path.join(here, "models", name)
    os.makedirs(folder, exist_ok=True)
    doc = dict(base)
    doc["serialNumber"] = "TEMPLATE"
    doc.update(extra)
    with open(os.path.join(folder, "pass.json"), "w") as f:
        json.dump(doc, f, indent=2, ensure_ascii=False)
        f.write("\n")
    images(folder, "icon", 29, 29, (200, 30, 30))
    images(folder, "logo", 160, 50, (250, 250, 250))
    for image in style_images:
        images(folder, *image)

# The store card is localized, with a UTF-16 strings file as Apple recommends for non-ASCII text.
store = os.path.join(here, "models", "storecard.pass")
os.makedirs(os.path.join(store, "en.lproj"), exist_ok=True)
os.makedirs(os.path.join(store, "fr.lproj"), exist_ok=True)
with open(os.path.join(store, "en.lproj", "pass.strings"), "w", encoding="utf-8") as f:
    f.write('"POINTS" = "Points";\n"BALANCE" = "Balance";\n')
with open(os.path.join(store, "fr.lproj", "pass.strings"), "wb") as f:
    f.write('/* French */\n"POINTS" = "Points fidélité";\n"BALANCE" = "Solde à dépenser";\n'.encode("utf-16"))

# A rewards card: the store card with rewards enrollment (personalization.json and its logo). Wallet asks the holder
# to sign up, posts the answers to the personalize endpoint, and fetches the personalized pass.
rewards = os.path.join(here, "models", "rewards.pass")
os.makedirs(rewards, exist_ok=True)
doc = dict(base)
doc["serialNumber"] = "TEMPLATE"
doc.update(models["storecard.pass"][0])
doc["description"] = "Rewards card"
with open(os.path.join(rewards, "pass.json"), "w") as f:
    json.dump(doc, f, indent=2, ensure_ascii=False)
    f.write("\n")
with open(os.path.join(rewards, "personalization.json"), "w") as f:
    json.dump({"requiredPersonalizationFields": ["PKPassPersonalizationFieldName", "PKPassPersonalizationFieldEmailAddress"],
               "description": "Join Example Books Rewards and earn a point for every euro.",
               "termsAndConditions": "Points expire after 24 months."}, f, indent=2)
    f.write("\n")
images(rewards, "icon", 29, 29, (200, 30, 30))
images(rewards, "logo", 160, 50, (250, 250, 250))
images(rewards, "strip", 375, 144, (20, 140, 120))
images(rewards, "personalizationLogo", 150, 40, (250, 250, 250))
