//! The console's words in Arabic, French and English, and the translated
//! list of rejection reasons.

use crate::lang::Lang;

pub(crate) struct Words {
    pub console: &'static str,
    pub sign_in: &'static str,
    pub sign_out: &'static str,
    pub email: &'static str,
    pub password: &'static str,
    pub password_again: &'static str,
    pub choose_password: &'static str,
    pub password_rules: &'static str,
    pub passwords_differ: &'static str,
    pub password_short: &'static str,
    pub setup_invalid: &'static str,
    pub login_failed: &'static str,
    pub too_many: &'static str,
    pub forbidden: &'static str,
    pub forged: &'static str,
    pub queue: &'static str,
    pub waiting: &'static str,
    pub reported: &'static str,
    pub rejected: &'static str,
    pub nothing_here: &'static str,
    pub title: &'static str,
    pub cooperative: &'static str,
    pub since: &'static str,
    pub reports: &'static str,
    pub reason: &'static str,
    pub details: &'static str,
    pub approve: &'static str,
    pub reject: &'static str,
    pub selected: &'static str,
    pub choose_reason: &'static str,
    pub note_to_coop: &'static str,
    pub preview: &'static str,
    pub price: &'static str,
    pub description: &'static str,
    pub history: &'static str,
    pub cooperatives: &'static str,
    pub devices: &'static str,
    pub new_code: &'static str,
    pub code_for: &'static str,
    pub code_note: &'static str,
    pub revoke: &'static str,
    pub revoked: &'static str,
    pub operators: &'static str,
    pub role: &'static str,
    pub moderator: &'static str,
    pub admin: &'static str,
    pub add_operator: &'static str,
    pub setup_link: &'static str,
    pub disable: &'static str,
    pub disabled: &'static str,
    pub pending_setup: &'static str,
    pub audit: &'static str,
    pub when: &'static str,
    pub who: &'static str,
    pub what: &'static str,
    pub back: &'static str,
    pub languages: &'static str,
}

pub(crate) fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::Ar => &AR,
        Lang::Fr => &FR,
        Lang::En => &EN,
    }
}

const AR: Words = Words {
    console: "لوحة الإشراف — هانوت",
    sign_in: "تسجيل الدخول",
    sign_out: "تسجيل الخروج",
    email: "البريد الإلكتروني",
    password: "كلمة المرور",
    password_again: "أعد كتابة كلمة المرور",
    choose_password: "اختر كلمة مرور",
    password_rules: "12 حرفًا على الأقل.",
    passwords_differ: "كلمتا المرور غير متطابقتين.",
    password_short: "كلمة المرور قصيرة جدًا: 12 حرفًا على الأقل.",
    setup_invalid: "هذا الرابط غير صالح أو استُعمل أو انتهت صلاحيته. اطلب رابطًا جديدًا.",
    login_failed: "البريد الإلكتروني أو كلمة المرور غير صحيحة.",
    too_many: "محاولات كثيرة جدًا. انتظر قليلًا ثم أعد المحاولة.",
    forbidden: "هذا الإجراء للمسؤولين فقط.",
    forged: "رُفض هذا النموذج: لم يأتِ من هذه اللوحة. أعد تحميل الصفحة وحاول مجددًا.",
    queue: "قائمة المراجعة",
    waiting: "في الانتظار",
    reported: "مُبلَّغ عنها",
    rejected: "مرفوضة",
    nothing_here: "لا شيء هنا.",
    title: "العنوان",
    cooperative: "التعاونية",
    since: "منذ",
    reports: "البلاغات",
    reason: "السبب",
    details: "تفاصيل",
    approve: "قبول",
    reject: "رفض",
    selected: "المحدد",
    choose_reason: "اختر سببًا",
    note_to_coop: "ملاحظة للتعاونية (اختيارية)",
    preview: "معاينة كما يراها المشتري",
    price: "الثمن",
    description: "الوصف",
    history: "السجل",
    cooperatives: "التعاونيات",
    devices: "الأجهزة",
    new_code: "رمز تسجيل جديد",
    code_for: "رمز تسجيل جهاز جديد لـ",
    code_note: "صالح 24 ساعة ولمرة واحدة. أعطه للتعاونية؛ لن يظهر مرة أخرى.",
    revoke: "إلغاء",
    revoked: "مُلغى",
    operators: "المشرفون",
    role: "الدور",
    moderator: "مراجِع",
    admin: "مسؤول",
    add_operator: "إضافة مشرف",
    setup_link: "رابط الإعداد (صالح 3 أيام ولمرة واحدة):",
    disable: "تعطيل",
    disabled: "معطَّل",
    pending_setup: "لم يُفعَّل بعد",
    audit: "سجل العمليات",
    when: "متى",
    who: "من",
    what: "ماذا",
    back: "رجوع",
    languages: "اللغة",
};

const FR: Words = Words {
    console: "Console de modération — Hanout",
    sign_in: "Se connecter",
    sign_out: "Se déconnecter",
    email: "E-mail",
    password: "Mot de passe",
    password_again: "Le même mot de passe",
    choose_password: "Choisissez un mot de passe",
    password_rules: "12 caractères au moins.",
    passwords_differ: "Les deux mots de passe diffèrent.",
    password_short: "Mot de passe trop court : 12 caractères au moins.",
    setup_invalid: "Ce lien n'est pas valable, a déjà servi ou a expiré. Demandez-en un nouveau.",
    login_failed: "E-mail ou mot de passe incorrect.",
    too_many: "Trop de tentatives. Attendez un peu et réessayez.",
    forbidden: "Cette action est réservée aux administrateurs.",
    forged: "Formulaire refusé : il ne vient pas de cette console. Rechargez la page et recommencez.",
    queue: "File de modération",
    waiting: "En attente",
    reported: "Signalées",
    rejected: "Refusées",
    nothing_here: "Rien ici.",
    title: "Titre",
    cooperative: "Coopérative",
    since: "Depuis",
    reports: "Signalements",
    reason: "Motif",
    details: "Détails",
    approve: "Approuver",
    reject: "Refuser",
    selected: "la sélection",
    choose_reason: "Choisissez un motif",
    note_to_coop: "Note à la coopérative (facultative)",
    preview: "Aperçu tel que les acheteurs le verront",
    price: "Prix",
    description: "Description",
    history: "Historique",
    cooperatives: "Coopératives",
    devices: "Appareils",
    new_code: "Nouveau code d'inscription",
    code_for: "Code d'inscription d'un nouvel appareil pour",
    code_note: "Valable 24 heures, une seule fois. Donnez-le à la coopérative ; il ne sera plus affiché.",
    revoke: "Révoquer",
    revoked: "révoqué",
    operators: "Opérateurs",
    role: "Rôle",
    moderator: "Modérateur",
    admin: "Administrateur",
    add_operator: "Ajouter un opérateur",
    setup_link: "Lien d'activation (valable 3 jours, une seule fois) :",
    disable: "Désactiver",
    disabled: "désactivé",
    pending_setup: "pas encore activé",
    audit: "Journal des actions",
    when: "Quand",
    who: "Qui",
    what: "Quoi",
    back: "Retour",
    languages: "Langue",
};

const EN: Words = Words {
    console: "Moderation console — Hanout",
    sign_in: "Sign in",
    sign_out: "Sign out",
    email: "Email",
    password: "Password",
    password_again: "The same password again",
    choose_password: "Choose a password",
    password_rules: "At least 12 characters.",
    passwords_differ: "The two passwords differ.",
    password_short: "Password too short: at least 12 characters.",
    setup_invalid: "This link is not valid, was used or has expired. Ask for a new one.",
    login_failed: "Wrong email or password.",
    too_many: "Too many attempts. Wait a little and try again.",
    forbidden: "Only administrators may do this.",
    forged: "Form refused: it did not come from this console. Reload the page and try again.",
    queue: "Moderation queue",
    waiting: "Waiting",
    reported: "Reported",
    rejected: "Rejected",
    nothing_here: "Nothing here.",
    title: "Title",
    cooperative: "Cooperative",
    since: "Since",
    reports: "Reports",
    reason: "Reason",
    details: "Details",
    approve: "Approve",
    reject: "Reject",
    selected: "selected",
    choose_reason: "Choose a reason",
    note_to_coop: "Note to the cooperative (optional)",
    preview: "Preview as buyers will see it",
    price: "Price",
    description: "Description",
    history: "History",
    cooperatives: "Cooperatives",
    devices: "Devices",
    new_code: "New enrollment code",
    code_for: "Enrollment code for a new device of",
    code_note: "Valid 24 hours, once. Give it to the cooperative; it will not be shown again.",
    revoke: "Revoke",
    revoked: "revoked",
    operators: "Operators",
    role: "Role",
    moderator: "Moderator",
    admin: "Administrator",
    add_operator: "Add an operator",
    setup_link: "Setup link (valid 3 days, once):",
    disable: "Disable",
    disabled: "disabled",
    pending_setup: "not set up yet",
    audit: "Audit log",
    when: "When",
    who: "Who",
    what: "What",
    back: "Back",
    languages: "Language",
};

/// Why a listing is rejected: a key, and the words in each language. The
/// cooperative's devices get the reason in Arabic and French (the app shows
/// the text as it comes), then the moderator's note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RejectReason {
    pub key: &'static str,
    ar: &'static str,
    fr: &'static str,
    en: &'static str,
}

impl RejectReason {
    pub(crate) fn name(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ar => self.ar,
            Lang::Fr => self.fr,
            Lang::En => self.en,
        }
    }

    pub(crate) fn by_key(key: &str) -> Option<RejectReason> {
        REJECT_REASONS.iter().copied().find(|r| r.key == key)
    }

    /// What the cooperative reads: `{ar} — {fr}`, then the note.
    pub(crate) fn for_cooperative(&self, note: &str) -> String {
        let note = note.trim();
        if note.is_empty() {
            format!("{} — {}", self.ar, self.fr)
        } else {
            format!("{} — {}\n{note}", self.ar, self.fr)
        }
    }
}

pub(crate) const REJECT_REASONS: &[RejectReason] = &[
    RejectReason {
        key: "photo_quality",
        ar: "الصورة غير واضحة أو مظلمة",
        fr: "La photo est floue ou trop sombre",
        en: "The photo is blurred or too dark",
    },
    RejectReason {
        key: "not_handmade",
        ar: "المنتج لا يبدو مصنوعًا يدويًا",
        fr: "Le produit ne semble pas fait main",
        en: "The product does not look handmade",
    },
    RejectReason {
        key: "price",
        ar: "الثمن غير واضح أو غير معقول",
        fr: "Le prix est absent ou peu plausible",
        en: "The price is missing or implausible",
    },
    RejectReason {
        key: "description",
        ar: "الوصف ناقص (المادة، المقاس، المصدر)",
        fr: "La description est incomplète (matière, dimensions, origine)",
        en: "The description is incomplete (material, size, origin)",
    },
    RejectReason {
        key: "contact_in_text",
        ar: "لا تضعوا رقم الهاتف أو العنوان في النص",
        fr: "Pas de téléphone ni d'adresse dans le texte",
        en: "No phone number or address in the text",
    },
    RejectReason {
        key: "duplicate",
        ar: "هذا المنتج منشور مرتين",
        fr: "Ce produit est publié deux fois",
        en: "This product is listed twice",
    },
    RejectReason {
        key: "prohibited",
        ar: "منتج غير مسموح ببيعه",
        fr: "Produit dont la vente n'est pas permise",
        en: "A product that may not be sold",
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_has_every_language_and_a_unique_key() {
        let mut keys: Vec<_> = REJECT_REASONS.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), REJECT_REASONS.len());
        for reason in REJECT_REASONS {
            for lang in Lang::ALL {
                assert!(!reason.name(lang).is_empty(), "{} {lang:?}", reason.key);
            }
        }
        let text = RejectReason::by_key("photo_quality")
            .unwrap()
            .for_cooperative("  Retake it in daylight ");
        assert_eq!(
            text,
            "الصورة غير واضحة أو مظلمة — La photo est floue ou trop sombre\nRetake it in daylight"
        );
    }
}
