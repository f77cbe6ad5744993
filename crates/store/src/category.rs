//! The fixed vocabularies of a listing: category, unit, status.

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable key used in the database, CSV files and the UI.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn parse(key: &str) -> Option<$name> {
                let key = key.trim();
                $name::ALL.iter().copied().find(|v| v.as_str().eq_ignore_ascii_case(key))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary! {
    /// What kind of product; buyers browse by it.
    Category {
        Carpets => "carpets",
        Pottery => "pottery",
        ArganCosmetics => "argan-cosmetics",
        Food => "food",
        Leather => "leather",
        Textiles => "textiles",
        Woodwork => "woodwork",
        MetalLanterns => "metal-lanterns",
        Jewellery => "jewellery",
        Basketry => "basketry",
        Other => "other",
    }
}

vocabulary! {
    /// What the stock quantity counts.
    Unit {
        Piece => "piece",
        Kg => "kg",
        Litre => "litre",
        SquareMetre => "m2",
    }
}

vocabulary! {
    /// Where a listing is in its life: draft → ready → published → archived.
    Status {
        Draft => "draft",
        Ready => "ready",
        Published => "published",
        Archived => "archived",
    }
}
