import Foundation

/// The texts of the attestation sheets (every format) and of `sheets/index.html`.
extension Messages {
    /// The sheet's column headers, in `SheetLayout` order: what the reviewer reads first,
    /// then the decision, then the codes and row id for IT security.
    var sheetColumns: [String] {
        [
            t("Person", "Identity"), t("Navn", "Name"), t("Stilling", "Title"), t("Afdeling", "Department"),
            t("System", "System"), t("Konto", "Account"), t("Rolle", "Role"), t("Følsomhed", "Sensitivity"),
            t("Grundlag", "Ground"), t("Fund", "Findings"), t("Ny", "New"), t("Attesteres som", "Reviewed as"),
            t("Anbefaling", "Recommendation"), t("Beslutning (Behold/Fjern)", "Decision (Keep/Remove)"),
            t("Kommentar", "Comment"), t("Kode", "Codes"), t("Række-id", "Row id"),
        ]
    }

    var versionLabel: String { t("Version", "Version") }
    var sendAgain: String { t("ny version: send igen", "new version: send again") }
    var mustGetNewVersion: String {
        t("attestanter skal have en ny version af deres ark", "reviewers must get a new version of their sheet")
    }

    /// "New since last attestation": first seen after the previous campaign was closed.
    func yesNo(_ value: Bool) -> String { value ? t("ja", "yes") : t("nej", "no") }

    func capacityName(_ capacity: Sheet.Capacity) -> String {
        capacity == .manager ? t("leder", "manager") : t("systemejer", "system owner")
    }

    /// Decision words: Keep first, Remove second.
    var decisionWords: [String] { [t("Behold", "Keep"), t("Fjern", "Remove")] }

    var organisationLabel: String { t("Organisation", "Organisation") }
    var campaignLabel: String { t("Kampagne", "Campaign") }
    var reviewerLabel: String { t("Attestant", "Reviewer") }
    var deadlineLabel: String { t("Frist", "Deadline") }
    var snapshotDateLabel: String { t("Øjebliksbillede", "Snapshot date") }
    var linesLabel: String { t("Linjer", "Lines") }
    var withFindings: String { t("med fund", "with findings") }
    var signOffLabel: String { t("Underskrift", "Sign-off") }
    var signOffBlanks: String {
        t("Navn: ____________________  Dato: __________", "Name: ____________________  Date: __________")
    }

    /// The instructions sheet, one paragraph a line; what each finding on the sheet means
    /// follows, two sentences a finding.
    func instructions(organisation: String, campaign: String, who: String, deadline: Day, codes: [FindingCode])
        -> [String]
    {
        let general =
            language == .da
            ? [
                "Attestation af adgange — \(organisation), \(campaign)",
                "Til \(who). Arket viser de adgange, du skal tage stilling til som leder eller systemejer.",
                "For hver linje: vælg Behold eller Fjern i kolonnen Beslutning. Skriv en begrundelse i Kommentar.",
                "Linjer med et alvorligt fund (kritisk eller høj) kan kun beholdes med en kommentar.",
                recommendationNote,
                "Ret ikke i de øvrige kolonner, og tilføj eller slet ikke linjer: hver linje er bundet til sit række-id (sidste kolonne), og et ændret ark afvises.",
                "Frist: \(deadline). Send arket tilbage til IT-sikkerhed; fjernede adgange sendes til systemernes administratorer.",
                "Farver: rød = kritisk, orange = høj, gul = mellem, blå = lav (det alvorligste fund på linjen).",
            ]
            : [
                "Access attestation — \(organisation), \(campaign)",
                "For \(who). The sheet lists the access you decide on as manager or system owner.",
                "For each line: choose Keep or Remove in the Decision column. Give a reason in Comment.",
                "Lines with a serious finding (critical or high) can only be kept with a comment.",
                recommendationNote,
                "Do not change other columns, and do not add or delete lines: each line is bound to its row id (the last column), and a changed sheet is refused.",
                "Deadline: \(deadline). Return the sheet to IT security; removed access goes to the systems' administrators.",
                "Colours: red = critical, orange = high, yellow = medium, blue = low (the worst finding on the line).",
            ]
        guard !codes.isEmpty else { return general }
        return general + [findingsHeading]
            + codes.map {
                "\(findingPhrase($0).prefix(1).uppercased() + findingPhrase($0).dropFirst()) (\($0.rawValue)): \(findingExplanation($0))"
            }
    }

    // MARK: Workbook and PDF

    var attestationWord: String { t("Attestation", "Attestation") }
    var instructionsSheetName: String { t("Vejledning", "Instructions") }
    var invalidDecisionTitle: String { t("Ugyldig beslutning", "Invalid decision") }
    var invalidDecisionMessage: String { t("Vælg Behold eller Fjern.", "Choose Keep or Remove.") }
    var decisionTitle: String { t("Beslutning", "Decision") }
    var decisionPrompt: String { t("Behold eller Fjern", "Keep or Remove") }
    var accessAttestation: String { t("Attestation af adgange", "Access attestation") }
    func pageNumber(_ number: Int, of total: Int) -> String {
        t("Side \(number) af \(total)", "Page \(number) of \(total)")
    }
    var snapshotLabel: String { t("Øjebliksbillede", "Snapshot") }
    var signOffTitle: String { t("Attestation", "Sign-off") }
    var signOffStatement: String {
        t(
            "Jeg har gennemgået adgangene ovenfor og truffet en beslutning for hver linje.",
            "I have reviewed the access above and made a decision for every line.")
    }
    var signOffFields: [String] { [t("Navn", "Name"), t("Dato", "Date"), t("Underskrift", "Signature")] }

    // MARK: sheets/index.html

    var attestationSheets: String { t("Attestationsark", "Attestation sheets") }
    var deadlineWord: String { t("frist", "deadline") }
    var reviewersWord: String { t("attestanter", "reviewers") }
    var nameLabel: String { t("Navn", "Name") }
    var withFindingsLabel: String { t("Med fund", "With findings") }
    var sheetsLabel: String { t("Ark", "Sheets") }
}
