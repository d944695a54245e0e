import AppConfig
import Core
import Database
import Foundation
import Jobs
import Logging
import PDFWriting
import StorageAPI

/// From a paid order to the printer: a workbook's PDF is rendered from its sections into the
/// private `workbooks` bucket, then the order goes to Prodigi with the catalogue's SKU and
/// short-lived signed URLs of our own storage, and Prodigi's order id is recorded. Runs as the
/// `print.fulfil` job the payment queued (retried with backoff; the last failure leaves the order
/// `failed`, never lost) and when `submit-to-prodigi` asks for a paid order. Both may run at
/// once: the submission holds the order's row, and Prodigi's idempotency key is our order id.
public struct PrintFulfilment: Sendable {
    public static let kind = "print.fulfil"
    /// How long the URLs Prodigi downloads the artwork from stay valid.
    public static let assetLifetime = 48 * 3600
    /// The largest board image read into a workbook.
    static let maximumImageBytes = 25 << 20

    let database: SQLRunner
    let storage: StorageService
    let prodigi: ProdigiClient?
    let fonts: WorkbookFonts?
    let publicURL: String
    let now: @Sendable () -> Date
    let logger: Logger

    public init(
        database: SQLRunner, storage: StorageService, prodigi: ProdigiClient?, fonts: WorkbookFonts?, publicURL: String,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.database = database
        self.storage = storage
        self.prodigi = prodigi
        self.fonts = fonts
        var base = publicURL
        while base.hasSuffix("/") { base.removeLast() }
        self.publicURL = base
        self.logger = logger
        self.now = now
    }

    /// The three order tables and the column each keeps Prodigi's order id in.
    static let prodigiColumn = ["poster_orders": "vendor_order_id", "print_orders": "prodigi_order_id", "workbook_orders": "prodigi_order_id"]

    /// What became of a fulfilment.
    public enum Outcome: Sendable, Equatable {
        /// At Prodigi (now, or before): its order id and stage.
        case submitted(prodigiID: String, stage: String)
        /// The order is not paid (its status).
        case notPaid(String)
        /// Another fulfilment of the same order is under way.
        case busy
        /// A workbook whose PDF the job has yet to render (its `fulfilment_state`).
        case rendering(String)
        case notFound
    }

    /// A failure no retry mends (Prodigi refused the order, its artwork cannot be had).
    public struct Permanent: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The job: fulfils the order its payload names. A permanent failure marks the order failed
    /// and the job a dead letter at once; another is retried, and marks the order failed on the
    /// last attempt. Either way `visionary jobs retry` sends it again once the cause is mended.
    public var handler: JobHandler {
        JobHandler(kind: Self.kind) { job in
            struct Payload: Decodable { let order_table: String; let order_id: UUID }
            let payload = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8))
            guard Self.prodigiColumn[payload.order_table] != nil else { return }
            do {
                // Another fulfilment holding the order may yet fail: try again later, not never.
                if try await fulfil(table: payload.order_table, id: payload.order_id, render: true) == .busy {
                    throw Busy()
                }
            } catch let failure as Permanent {
                try await recordFailure(payload.order_table, payload.order_id, failure.message, final: true)
                throw JobGiveUp(failure.message)
            } catch let refused as ProdigiClient.Refused {
                try await recordFailure(payload.order_table, payload.order_id, refused.description, final: true)
                throw JobGiveUp(refused.description)
            } catch {
                try? await recordFailure(payload.order_table, payload.order_id, String(describing: error).prefix(500).description,
                                         final: job.attempts >= job.maxAttempts)
                throw error
            }
        }
    }

    struct Busy: Error, CustomStringConvertible {
        var description: String { "another submission of the order was under way" }
    }

    /// Renders (workbooks, when `render`; else answers `.rendering`) and submits one order,
    /// unless it is unpaid or at Prodigi already. Rendering is the job's alone: a request never
    /// spends its time on it.
    public func fulfil(table: String, id: UUID, render: Bool) async throws -> Outcome {
        guard let column = Self.prodigiColumn[table] else { return .notFound }
        struct State: Decodable { let status: String; let prodigi: String?; let stage: String?; let pdf: String?; let fulfilment: String? }
        let stateSQL = """
            SELECT json_build_object('status', status, 'prodigi', \(column), 'fulfilment', fulfilment_state,
                                     'stage', \(table == "workbook_orders" ? "prodigi_status" : "NULL"),
                                     'pdf', \(table == "workbook_orders" ? "merged_pdf_url" : "NULL"))::text
              FROM public.\(table) WHERE id = $1::uuid
            """
        guard let text = try await database.text(SQLStatement(stateSQL, [.text(id.uuidString)])) else { return .notFound }
        let state = try JSONDecoder().decode(State.self, from: Data(text.utf8))
        if let prodigiID = state.prodigi { return .submitted(prodigiID: prodigiID, stage: state.stage ?? "InProgress") }
        guard state.status == "paid" else { return .notPaid(state.status) }
        if table == "workbook_orders", state.pdf == nil {
            guard render else { return .rendering(state.fulfilment ?? "queued") }
            try await setState(table, id, "rendering")
            try await renderWorkbook(id)
        }
        guard let prodigi else { throw ProdigiClient.Unavailable(message: "Prodigi is not configured on this server (VISIONARY_PRODIGI_API_KEY)") }
        let order = try await prodigiOrder(table: table, id: id)
        try await setState(table, id, "submitting")
        return try await database.transaction { transaction in
            // The row is held for the call: a second fulfilment of the order waits its turn or sees it done.
            let locked: String?
            do {
                locked = try await transaction.text(SQLStatement(
                    "SELECT json_build_object('status', status, 'prodigi', \(column))::text FROM public.\(table) WHERE id = $1::uuid FOR UPDATE NOWAIT",
                    [.text(id.uuidString)]))
            } catch let error as DatabaseError where error.sqlState == "55P03" {
                return .busy
            }
            struct Locked: Decodable { let status: String; let prodigi: String? }
            guard let locked, let row = try? JSONDecoder().decode(Locked.self, from: Data(locked.utf8)) else { return .notFound }
            if let prodigiID = row.prodigi { return .submitted(prodigiID: prodigiID, stage: "InProgress") }
            guard row.status == "paid" else { return .notPaid(row.status) }
            let created = try await prodigi.createOrder(order)
            let stage = table == "workbook_orders" ? ", prodigi_status = $3" : ""
            try await transaction.execute(SQLStatement("""
                UPDATE public.\(table) SET status = 'submitted', \(column) = $2, fulfilment_state = 'submitted', fulfilment_error = NULL\(stage)
                 WHERE id = $1::uuid
                """, table == "workbook_orders" ? [.text(id.uuidString), .text(created.id), .text(created.stage)] : [.text(id.uuidString), .text(created.id)]))
            logger.info("order submitted to Prodigi", metadata: ["order": "\(id)", "prodigi": "\(created.id)", "outcome": "\(created.outcome)"])
            return .submitted(prodigiID: created.id, stage: created.stage)
        }
    }

    func setState(_ table: String, _ id: UUID, _ state: String) async throws {
        try await database.execute(SQLStatement(
            "UPDATE public.\(table) SET fulfilment_state = $2 WHERE id = $1::uuid AND status = 'paid'", [.text(id.uuidString), .text(state)]))
    }

    func recordFailure(_ table: String, _ id: UUID, _ message: String, final: Bool) async throws {
        try await database.execute(SQLStatement("""
            UPDATE public.\(table) SET fulfilment_error = $2, fulfilment_state = CASE WHEN $3 THEN 'failed' ELSE fulfilment_state END
             WHERE id = $1::uuid AND status = 'paid'
            """, [.text(id.uuidString), .text(String(message.prefix(500))), .bool(final)]))
        if final { logger.error("order fulfilment failed", metadata: ["order": "\(id)", "error": "\(message)"]) }
    }
}
