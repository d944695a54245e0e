/// The tables the migrations fill with catalogue rows. The loader counts their rows exactly
/// (estimates are unknown on a fresh database), and the seed rule expects rows in each that exists.
public enum SeededCatalogues {
    public static let tables = [
        "public.motivational_themes", "public.master_prompt_questions", "public.workbook_templates",
        "public.print_products", "storage.buckets",
    ]
}
