/// One reviewer's sheet as the workbook and PDF writers lay it out: every text already in
/// the sheet's language, the rows read one at a time (`cells`, `shade`) so that a large
/// sheet is never held twice. The core makes it from a `Sheet` and its context.
package struct PrintableSheet {
    /// A row's colour: its worst finding's severity.
    package enum Shade: Sendable, Hashable { case critical, high, medium, low }

    package struct Validation {
        package var errorTitle, errorMessage, inputTitle, inputMessage: String
        package init(errorTitle: String, errorMessage: String, inputTitle: String, inputMessage: String) {
            (self.errorTitle, self.errorMessage, self.inputTitle, self.inputMessage) = (
                errorTitle, errorMessage, inputTitle, inputMessage
            )
        }
    }

    package struct SignOff {
        package var title, statement: String
        package var labels: [String]
        package var reviewerLine: String
        package init(title: String, statement: String, labels: [String], reviewerLine: String) {
            (self.title, self.statement, self.labels, self.reviewerLine) = (title, statement, labels, reviewerLine)
        }
    }

    /// The document's title (workbook properties, PDF info).
    package var title: String
    package var organisation: String
    /// The creation time written into the workbook, seconds since 1970: fixed by the run's
    /// `as_of`, so that the same run gives the same file.
    package var created: Int
    package var instructionsName: String
    package var attestationName: String
    package var instructions: [String]
    package var headerBlock: [(String, String)]
    package var columns: [String]
    package var layout: Layout
    package var rowCount: Int
    package var cells: (Int) -> [String]
    package var shade: (Int) -> Shade?
    package var decisionWords: [String]
    package var validation: Validation
    /// The PDF's page heading, "page n of N" and footer line.
    package var pageTitle: String
    package var pageNumber: (Int, Int) -> String
    package var footer: String
    package var signOff: SignOff

    package init(
        title: String, organisation: String, created: Int, instructionsName: String, attestationName: String,
        instructions: [String], headerBlock: [(String, String)], columns: [String], layout: Layout, rowCount: Int,
        cells: @escaping (Int) -> [String], shade: @escaping (Int) -> Shade?, decisionWords: [String],
        validation: Validation, pageTitle: String, pageNumber: @escaping (Int, Int) -> String, footer: String,
        signOff: SignOff
    ) {
        self.title = title
        self.organisation = organisation
        self.created = created
        self.instructionsName = instructionsName
        self.attestationName = attestationName
        self.instructions = instructions
        self.headerBlock = headerBlock
        self.columns = columns
        self.layout = layout
        self.rowCount = rowCount
        self.cells = cells
        self.shade = shade
        self.decisionWords = decisionWords
        self.validation = validation
        self.pageTitle = pageTitle
        self.pageNumber = pageNumber
        self.footer = footer
        self.signOff = signOff
    }

    /// Where things go: the core decides, the writers draw.
    package struct Layout: Sendable {
        /// The row (0-based) of the column headers; data starts on the next row.
        package var headerRow: Int
        /// The two columns a reviewer fills in; every other cell is locked.
        package var decisionColumn: Int
        package var commentColumn: Int
        /// The row id: narrow, in a small font.
        package var rowIdColumn: Int
        /// The workbook's widest column widths, in characters.
        package var widths: [Double]
        /// The columns the PDF prints, with their widths in points (A4 landscape).
        package var printed: [(index: Int, width: Float)]

        package init(
            headerRow: Int, decisionColumn: Int, commentColumn: Int, rowIdColumn: Int, widths: [Double],
            printed: [(index: Int, width: Float)]
        ) {
            self.headerRow = headerRow
            self.decisionColumn = decisionColumn
            self.commentColumn = commentColumn
            self.rowIdColumn = rowIdColumn
            self.widths = widths
            self.printed = printed
        }
    }
}
