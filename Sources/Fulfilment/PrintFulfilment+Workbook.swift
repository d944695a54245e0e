import Core
import Database
import Foundation
import Logging
import PDFWriting
import StorageAPI

/// Rendering a paid workbook: its sections (composed now if it has none) laid out on the
/// template's pages with the owner's board images, stored in the `workbooks` bucket, and each
/// section's page range recorded.
extension PrintFulfilment {
    func renderWorkbook(_ id: UUID) async throws {
        guard let fonts else { throw Permanent(message: "workbook fonts are not configured on this server (VISIONARY_WORKBOOK_FONTS)") }
        let query = SQLStatement("""
            SELECT json_build_object('user', w.user_id, 'title', w.title, 'size', t.size, 'pages', t.page_count,
              'sections', coalesce((SELECT json_agg(json_build_object('id', s.id, 'section_type', s.section_type, 'title', s.title, 'content', s.content)
                                               ORDER BY s.section_order, s.created_at)
                                      FROM public.workbook_sections s WHERE s.workbook_order_id = w.id), '[]'))::text
              FROM public.workbook_orders w LEFT JOIN public.workbook_templates t ON t.id = w.template_id
             WHERE w.id = $1::uuid
            """, [.text(id.uuidString)])
        guard var text = try await database.text(query) else { throw Permanent(message: "the workbook is gone") }
        if try Self.book(text).sections.isEmpty {
            _ = try await database.text(SQLStatement(
                "SELECT internal.compose_workbook_sections(w, current_date)::text FROM public.workbook_orders w WHERE w.id = $1::uuid", [.text(id.uuidString)]))
            text = try await database.text(query) ?? text
        }
        let book = try Self.book(text)
        let pageCount = book.pages ?? 100
        // Only the boards a page will show are read, each stored object once, within a budget.
        var images: [String: PDFImage] = [:]
        var read: [BoardImage: PDFImage] = [:]
        var budget = Self.maximumImageBytes * 4
        for board in WorkbookLayout.drawnBoards(book.sections, pageCount: pageCount) {
            guard let url = board["imageUrl"]?.stringValue, images[url] == nil else { continue }
            let location = BoardImage(url, publicURL: publicURL)
            if let known = read[location] { images[url] = known; continue }
            guard budget > 0, let bytes = try await imageBytes(url, of: book.user) else { continue }
            budget -= bytes.count
            do {
                let image = try PDFImage(bytes)
                images[url] = image
                read[location] = image
            } catch {
                logger.warning("a board image cannot be printed", metadata: ["order": "\(id)", "error": "\(error)"])
            }
        }
        let layout = WorkbookLayout(size: TrimSize.parse(book.size), pageCount: pageCount, fonts: fonts, images: images)
        let rendered: (pdf: [UInt8], placements: [WorkbookLayout.Placement])
        do {
            rendered = try layout.render(book.sections, title: book.title ?? "My Vision Workbook", created: now())
        } catch let error as WorkbookLayout.LayoutError {
            throw Permanent(message: error.message)
        }
        let user = book.user.uuidString.lowercased()
        let name = "\(user)/\(id.uuidString.lowercased())/workbook-\(UUID().uuidString.lowercased().prefix(8)).pdf"
        try await storage.write(bucket: "workbooks", name: name, bytes: rendered.pdf, mimeType: "application/pdf")
        let recorded: Bool
        do {
            recorded = try await database.transaction { transaction in
                guard try await transaction.text(SQLStatement("""
                    UPDATE public.workbook_orders SET merged_pdf_url = $2, generation_completed_at = coalesce(generation_completed_at, now())
                     WHERE id = $1::uuid AND merged_pdf_url IS NULL RETURNING 'recorded'
                    """, [.text(id.uuidString), .text("/storage/v1/object/authenticated/workbooks/" + name)])) != nil
                else { return false }
            try await transaction.execute(SQLStatement("""
                UPDATE public.workbook_sections s SET page_start = p.first, page_end = p.last
                  FROM unnest($2::uuid[], $3::integer[], $4::integer[]) AS p (id, first, last)
                 WHERE s.id = p.id AND s.workbook_order_id = $1::uuid
                """, [.text(id.uuidString), .textArray(rendered.placements.map { $0.section.uuidString }),
                      .textArray(rendered.placements.map { String($0.first) }), .textArray(rendered.placements.map { String($0.last) })]))
                return true
            }
        } catch {
            try? await storage.remove(bucket: "workbooks", name: name)
            throw error
        }
        // Another rendering was recorded first: this copy is nobody's.
        if !recorded { try? await storage.remove(bucket: "workbooks", name: name) }
    }

    struct Book: Decodable {
        let user: UUID
        let title: String?
        let size: String?
        let pages: Int?
        let sections: [WorkbookSection]
    }

    /// The workbook as the query answers it; content JSON cannot read (a number beyond a
    /// double, nesting deeper than the decoder goes) is the book's fault, not a passing one.
    static func book(_ text: String) throws(Permanent) -> Book {
        do {
            return try JSONDecoder().decode(Book.self, from: Data(text.utf8))
        } catch {
            throw Permanent(message: "the workbook's sections cannot be read")
        }
    }

    /// The bytes of a board image the owner may read, from our storage or a `data:` URL; nil for
    /// anything else (the server fetches nothing from elsewhere).
    func imageBytes(_ url: String, of user: UUID) async throws -> [UInt8]? {
        switch BoardImage(url, publicURL: publicURL) {
        case .stored(let bucket, let name):
            return try? await storage.read(bucket: bucket, name: name, as: user, maxBytes: Self.maximumImageBytes)
        case .inline(let bytes):
            return bytes
        case .external, .unusable:
            return nil
        }
    }
}
