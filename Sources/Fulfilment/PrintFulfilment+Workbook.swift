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
        struct Book: Decodable {
            let user: UUID
            let title: String?
            let size: String?
            let pages: Int?
            let sections: [WorkbookSection]
        }
        let query = SQLStatement("""
            SELECT json_build_object('user', w.user_id, 'title', w.title, 'size', t.size, 'pages', t.page_count,
              'sections', coalesce((SELECT json_agg(json_build_object('id', s.id, 'section_type', s.section_type, 'title', s.title, 'content', s.content)
                                               ORDER BY s.section_order, s.created_at)
                                      FROM public.workbook_sections s WHERE s.workbook_order_id = w.id), '[]'))::text
              FROM public.workbook_orders w LEFT JOIN public.workbook_templates t ON t.id = w.template_id
             WHERE w.id = $1::uuid
            """, [.text(id.uuidString)])
        guard var text = try await database.text(query) else { throw Permanent(message: "the workbook is gone") }
        if try JSONDecoder().decode(Book.self, from: Data(text.utf8)).sections.isEmpty {
            _ = try await database.text(SQLStatement(
                "SELECT internal.compose_workbook_sections(w, current_date)::text FROM public.workbook_orders w WHERE w.id = $1::uuid", [.text(id.uuidString)]))
            text = try await database.text(query) ?? text
        }
        let book = try JSONDecoder().decode(Book.self, from: Data(text.utf8))
        var images: [String: PDFImage] = [:]
        for section in book.sections where section.type == "vision_gallery" {
            for board in WorkbookLayout.boards(section) {
                guard let url = board["imageUrl"]?.stringValue, images[url] == nil, let bytes = try await imageBytes(url, of: book.user) else { continue }
                do {
                    images[url] = try PDFImage(bytes)
                } catch {
                    logger.warning("a board image cannot be printed", metadata: ["order": "\(id)", "error": "\(error)"])
                }
            }
        }
        let layout = WorkbookLayout(size: TrimSize.parse(book.size), pageCount: book.pages ?? 100, fonts: fonts, images: images)
        let rendered: (pdf: [UInt8], placements: [WorkbookLayout.Placement])
        do {
            rendered = try layout.render(book.sections, title: book.title ?? "My Vision Workbook", created: now())
        } catch let error as WorkbookLayout.LayoutError {
            throw Permanent(message: error.message)
        }
        let user = book.user.uuidString.lowercased()
        let name = "\(user)/\(id.uuidString.lowercased())/workbook-\(UUID().uuidString.lowercased().prefix(8)).pdf"
        try await storage.write(bucket: "workbooks", name: name, bytes: rendered.pdf, mimeType: "application/pdf")
        try await database.transaction { transaction in
            try await transaction.execute(SQLStatement("""
                UPDATE public.workbook_orders SET merged_pdf_url = $2, generation_completed_at = coalesce(generation_completed_at, now())
                 WHERE id = $1::uuid AND merged_pdf_url IS NULL
                """, [.text(id.uuidString), .text("/storage/v1/object/authenticated/workbooks/" + name)]))
            try await transaction.execute(SQLStatement("""
                UPDATE public.workbook_sections s SET page_start = p.first, page_end = p.last
                  FROM unnest($2::uuid[], $3::integer[], $4::integer[]) AS p (id, first, last)
                 WHERE s.id = p.id AND s.workbook_order_id = $1::uuid
                """, [.text(id.uuidString), .textArray(rendered.placements.map { $0.section.uuidString }),
                      .textArray(rendered.placements.map { String($0.first) }), .textArray(rendered.placements.map { String($0.last) })]))
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
