//! The catalog pages' words in each language.

use crate::lang::Lang;

pub(crate) struct Words {
    pub title: &'static str,
    pub intro: &'static str,
    pub empty: &'static str,
    pub languages: &'static str,
    pub search: &'static str,
    pub search_button: &'static str,
    pub results_for: &'static str,
    pub no_results: &'static str,
    pub cooperative: &'static str,
    pub price: &'static str,
    pub photos: &'static str,
    pub not_found: &'static str,
    pub not_found_text: &'static str,
    pub home: &'static str,
}

pub(crate) fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Ar => &Words {
            title: "هانوت — منتجات التعاونيات",
            intro: "منتجات صنعتها تعاونيات الحرفيين في المغرب.",
            empty: "لا توجد منتجات بعد.",
            languages: "اللغة",
            search: "ابحث عن منتج",
            search_button: "بحث",
            results_for: "نتائج البحث عن",
            no_results: "لا توجد منتجات تطابق هذا البحث.",
            cooperative: "التعاونية",
            price: "الثمن",
            photos: "الصور",
            not_found: "الصفحة غير موجودة",
            not_found_text: "هذا المنتج أو هذه التعاونية غير موجودة، أو لم تعد معروضة.",
            home: "العودة إلى الصفحة الرئيسية",
        },
        Lang::Fr => &Words {
            title: "Hanout — produits des coopératives",
            intro: "Des produits faits main par des coopératives d’artisans du Maroc.",
            empty: "Aucun produit pour l’instant.",
            languages: "Langue",
            search: "Rechercher un produit",
            search_button: "Rechercher",
            results_for: "Résultats pour",
            no_results: "Aucun produit ne correspond à cette recherche.",
            cooperative: "Coopérative",
            price: "Prix",
            photos: "Photos",
            not_found: "Page introuvable",
            not_found_text: "Ce produit ou cette coopérative n’existe pas, ou n’est plus en vente.",
            home: "Retour à l’accueil",
        },
        Lang::En => &Words {
            title: "Hanout — cooperative products",
            intro: "Handmade products from artisan cooperatives in Morocco.",
            empty: "No products yet.",
            languages: "Language",
            search: "Search for a product",
            search_button: "Search",
            results_for: "Results for",
            no_results: "No product matches this search.",
            cooperative: "Cooperative",
            price: "Price",
            photos: "Photos",
            not_found: "Page not found",
            not_found_text: "This product or cooperative does not exist, or is no longer for sale.",
            home: "Back to the home page",
        },
    }
}
