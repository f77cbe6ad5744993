//! The CLI's messages in Arabic, French and English. Keys mirror the app's
//! (`error.<field>.<reason>` there, `field`/`reason` here) so both say the
//! same thing; the UI's catalogs are TypeScript, these are the few the CLI
//! prints.

use crate::args::Lang;

/// Picks the string for `lang`.
pub fn pick(lang: Lang, ar: &'static str, fr: &'static str, en: &'static str) -> &'static str {
    match lang {
        Lang::Ar => ar,
        Lang::Fr => fr,
        Lang::En => en,
    }
}

pub fn field(lang: Lang, field: store::Field) -> &'static str {
    use store::Field as F;
    match field {
        F::Title => pick(lang, "العنوان", "titre", "title"),
        F::Description => pick(lang, "الوصف", "description", "description"),
        F::Price => pick(lang, "السعر", "prix", "price"),
        F::Category => pick(lang, "الفئة", "catégorie", "category"),
        F::Stock => pick(lang, "المخزون", "stock", "stock"),
        F::Unit => pick(lang, "الوحدة", "unité", "unit"),
        F::Weight => pick(lang, "الوزن", "poids", "weight"),
        F::Status => pick(lang, "الحالة", "statut", "status"),
        F::Tags => pick(lang, "الكلمات المفتاحية", "mots-clés", "tags"),
        F::Artisan => pick(lang, "الحرفي", "artisan", "artisan"),
        F::Name => pick(lang, "الاسم", "nom", "name"),
        F::Materials => pick(lang, "المواد", "matériaux", "materials"),
        F::Origin => pick(lang, "المنشأ", "origine", "origin"),
        F::Dimensions => pick(lang, "الأبعاد", "dimensions", "dimensions"),
        F::Photos => pick(lang, "الصور", "photos", "photos"),
    }
}

pub fn reason(lang: Lang, reason: store::Reason) -> &'static str {
    use store::Reason as R;
    match reason {
        R::Required => pick(lang, "مطلوب", "obligatoire", "is required"),
        R::TooLong => pick(lang, "طويل جدًا", "trop long", "is too long"),
        R::NotANumber => pick(lang, "ليس رقمًا", "n'est pas un nombre", "is not a number"),
        R::TooManyDecimals => pick(
            lang,
            "فيه أرقام عشرية كثيرة",
            "a trop de décimales",
            "has too many decimals",
        ),
        R::Negative => pick(
            lang,
            "لا يمكن أن يكون سالبًا",
            "ne peut pas être négatif",
            "cannot be negative",
        ),
        R::TooLarge => pick(lang, "كبير جدًا", "trop grand", "is too large"),
        R::Unknown => pick(
            lang,
            "قيمة غير معروفة",
            "valeur inconnue",
            "is not a known value",
        ),
    }
}

pub fn validation(lang: Lang, e: store::ValidationError) -> String {
    format!("{}: {}", field(lang, e.field), reason(lang, e.reason))
}

/// A stable kind and a translated message for a fatal error.
pub fn error(lang: Lang, error: &anyhow::Error) -> (&'static str, String) {
    if let Some(v) = error.downcast_ref::<store::ValidationError>() {
        return ("validation", validation(lang, *v));
    }
    let Some(e) = error.downcast_ref::<store::Error>() else {
        if let Some(clap) = error.downcast_ref::<UsageError>() {
            return ("usage", clap.0.clone());
        }
        if let Some(e) = error.downcast_ref::<print::Error>() {
            return print_error(lang, e);
        }
        if let Some(e) = error.downcast_ref::<peer::Error>() {
            return peer_error(lang, e);
        }
        if let Some(failed) = error.downcast_ref::<crate::commands::SyncFailed>() {
            return (failed.kind, failed.message.clone());
        }
        return ("error", format!("{error:#}"));
    };
    match e {
        store::Error::Validation(v) => ("validation", validation(lang, *v)),
        store::Error::Locked => (
            "locked",
            pick(
                lang,
                "حانوت مفتوح على هذا الكتالوج؛ أغلق التطبيق (أو اخرج منه من شريط المهام) ثم أعد المحاولة",
                "Hanout est ouvert sur ce catalogue ; fermez l'application (ou quittez-la depuis la barre des tâches) et réessayez",
                "Hanout is open on this catalog; close the app (or quit it from the tray) and try again",
            )
            .to_owned(),
        ),
        store::Error::NotFound(id) => (
            "not_found",
            format!("{} {id}", pick(lang, "لا يوجد إعلان بالمعرّف", "aucune annonce n'a l'identifiant", "no listing has the id")),
        ),
        store::Error::RestoreWouldLose { unsynced } => (
            "restore_would_lose",
            format!(
                "{} ({}) — {}",
                pick(
                    lang,
                    "الاسترجاع سيحذف إعلانات لم تُرسل بعد إلى السوق",
                    "la restauration perdrait des annonces pas encore envoyées à la marketplace",
                    "restoring would lose listings not yet sent to the marketplace",
                ),
                unsynced.join(", "),
                pick(lang, "أعد الأمر مع ‎--yes‎ للتأكيد", "relancez avec --yes pour confirmer", "run again with --yes to confirm"),
            ),
        ),
        store::Error::Bundle(b) => bundle_error(lang, b),
        other => ("store", other.to_string()),
    }
}

/// A stable kind and a translated message for a PDF not made.
fn print_error(lang: Lang, error: &print::Error) -> (&'static str, String) {
    match error {
        print::Error::Empty => (
            "nothing_to_print",
            pick(
                lang,
                "لا شيء للطباعة — لا يوجد إعلان جاهز (المسودات والأرشيف لا تُطبع)",
                "rien à imprimer — aucune annonce prête (les brouillons et archives ne s'impriment pas)",
                "nothing to print — no listing is ready (drafts and archives are not printed)",
            )
            .to_owned(),
        ),
        print::Error::Store(e) => ("store", e.to_string()),
        print::Error::Layout(_) | print::Error::Pdf(_) => (
            "print",
            format!(
                "{} ({error})",
                pick(
                    lang,
                    "تعذّر إعداد ملف PDF — أرسل هذه الرسالة إلى الدعم",
                    "impossible de composer le PDF — envoyez ce message à l'assistance",
                    "could not lay out the PDF — send this message to support",
                )
            ),
        ),
    }
}

/// A usage problem found after parsing (e.g. no title given).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A stable kind and a translated message for a photo that could not be imported.
pub fn photo_error(lang: Lang, error: &photos::Error) -> (&'static str, String) {
    let text = match error.kind() {
        "read" => pick(
            lang,
            "تعذّرت قراءة الملف — تأكّد أنه ما زال موجودًا",
            "impossible de lire le fichier — vérifiez qu'il existe encore",
            "could not read the file — check that it still exists",
        ),
        "empty" => pick(
            lang,
            "الملف فارغ — اختر الصورة من جديد",
            "le fichier est vide — choisissez la photo à nouveau",
            "the file is empty — choose the photo again",
        ),
        "too_large" => pick(
            lang,
            "الصورة كبيرة جدًا — صدّرها بصيغة JPEG أصغر",
            "photo trop lourde — exportez un JPEG plus petit",
            "the photo is too large — export a smaller JPEG",
        ),
        "unsupported_format" => pick(
            lang,
            "هذا الملف ليس صورة نقرؤها — استعمل JPEG أو PNG أو WebP أو TIFF أو GIF",
            "ce fichier n'est pas une photo lisible — utilisez JPEG, PNG, WebP, TIFF ou GIF",
            "this file is not a photo we can read — use JPEG, PNG, WebP, TIFF or GIF",
        ),
        "unsupported_feature" => pick(
            lang,
            "هذه الصورة تستعمل خاصية لا نقرؤها — صدّرها بصيغة JPEG",
            "cette photo utilise une fonction non prise en charge — exportez-la en JPEG",
            "this photo uses a feature we cannot read — export it as JPEG",
        ),
        "heic" => pick(
            lang,
            "صور HEIC غير مدعومة — في الآيفون: الإعدادات › الكاميرا › التنسيقات › الأكثر توافقًا، أو شارك الصورة بصيغة JPEG",
            "les photos HEIC ne sont pas prises en charge — sur l'iPhone : Réglages › Appareil photo › Formats › Le plus compatible, ou partagez la photo en JPEG",
            "HEIC photos are not supported — on the iPhone choose Settings › Camera › Formats › Most Compatible, or share the photo as JPEG",
        ),
        "too_many_pixels" => pick(
            lang,
            "أبعاد الصورة كبيرة جدًا — صدّر صورة أصغر",
            "photo trop grande en pixels — exportez une photo plus petite",
            "the photo has too many pixels — export a smaller photo",
        ),
        "corrupt" => pick(
            lang,
            "الصورة تالفة أو ناقصة — انسخها من الهاتف مرة أخرى",
            "photo abîmée ou incomplète — copiez-la à nouveau depuis le téléphone",
            "the photo is damaged or incomplete — copy it again from the phone",
        ),
        "cancelled" => pick(lang, "أُلغي", "annulé", "cancelled"),
        _ => "",
    };
    let message = if text.is_empty() {
        error.to_string()
    } else {
        text.to_owned()
    };
    (error.kind(), message)
}

/// A bundle that cannot be made or taken.
pub fn bundle_error(lang: Lang, e: &store::BundleError) -> (&'static str, String) {
    use store::BundleError as B;
    let (kind, text) = match e {
        B::NotConnected => (
            "not_connected",
            pick(
                lang,
                "اربط هذا الحاسوب بحساب التعاونية في السوق أولًا",
                "connectez d'abord cet ordinateur au compte de la coopérative sur la marketplace",
                "connect this laptop to the cooperative's marketplace account first",
            ),
        ),
        B::NotABundle => (
            "not_a_bundle",
            pick(
                lang,
                "هذا الملف ليس حزمة حانوت، أو أنه تالف",
                "ce fichier n'est pas un lot Hanout, ou il est endommagé",
                "this file is not a Hanout bundle, or it is damaged",
            ),
        ),
        B::TooNew => (
            "bundle_too_new",
            pick(
                lang,
                "صُنعت هذه الحزمة بإصدار أحدث من حانوت؛ حدّث حانوت على هذا الحاسوب",
                "ce lot vient d'une version plus récente de Hanout ; mettez Hanout à jour sur cet ordinateur",
                "this bundle was made by a newer version of Hanout; update Hanout on this laptop",
            ),
        ),
        B::OtherCooperative => (
            "other_cooperative",
            pick(
                lang,
                "هذه الحزمة من تعاونية أخرى",
                "ce lot vient d'une autre coopérative",
                "this bundle is from another cooperative",
            ),
        ),
        B::FromThisLaptop => (
            "own_bundle",
            pick(
                lang,
                "صُنعت هذه الحزمة على هذا الحاسوب نفسه",
                "ce lot a été fait sur cet ordinateur",
                "this bundle was made on this laptop",
            ),
        ),
    };
    (kind, text.to_owned())
}

/// An exchange with the other laptop that did not go through.
pub fn peer_error(lang: Lang, e: &peer::Error) -> (&'static str, String) {
    match e {
        peer::Error::Store(store::Error::Bundle(b)) => bundle_error(lang, b),
        peer::Error::WrongCode => (
            "wrong_code",
            pick(
                lang,
                "الرمز ليس الظاهر على الحاسوب الآخر (أو أنه من تعاونية أخرى)",
                "ce n'est pas le code affiché sur l'autre ordinateur (ou il est d'une autre coopérative)",
                "the code is not the one shown on the other laptop (or it belongs to another cooperative)",
            )
            .to_owned(),
        ),
        peer::Error::CodeChanged => (
            "code_changed",
            pick(
                lang,
                "رموز خاطئة كثيرة: يظهر رمز جديد على الحاسوب الآخر",
                "trop de codes erronés : un nouveau code s'affiche sur l'autre ordinateur",
                "too many wrong codes: a new code is shown on the other laptop",
            )
            .to_owned(),
        ),
        peer::Error::Unreachable(detail) => (
            "unreachable",
            format!(
                "{} ({detail})",
                pick(
                    lang,
                    "تعذّر الوصول إلى الحاسوب الآخر: تأكد أنه يشارك وأن الحاسوبين على الشبكة نفسها",
                    "l'autre ordinateur est injoignable : vérifiez qu'il partage et que les deux sont sur le même réseau",
                    "the other laptop cannot be reached: check it is sharing and both are on the same network",
                )
            ),
        ),
        other => ("peer", other.to_string()),
    }
}
