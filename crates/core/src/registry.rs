//! The identifier registry: who owns each brandname and ad-call number, its
//! status and its validity.
//!
//! Rule R8 (docs/rules.md; Decree 91 Art.13(8), Art.23): ads only from an identifier
//! issued to that advertiser — not unregistered, not another owner's, not
//! revoked or expired. The same check stops spoofed sender names on
//! customer-care SMS.

use std::fmt;

use crate::ident::Identifier;
use crate::law::Reason;
use crate::verdict::Reasons;

/// The status of an issued identifier.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    /// In use.
    Active,
    /// Withdrawn by the authority.
    Revoked,
    /// Temporarily not usable.
    Suspended,
}

impl Status {
    /// Parses `active`, `revoked` or `suspended`, case-insensitively.
    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim();
        [
            ("active", Status::Active),
            ("revoked", Status::Revoked),
            ("suspended", Status::Suspended),
        ]
        .into_iter()
        .find(|(n, _)| s.eq_ignore_ascii_case(n))
        .map(|(_, st)| st)
    }

    /// The contract's name.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Suspended => "suspended",
        }
    }
}

/// One issued identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Registration {
    /// The advertiser it was issued to.
    pub owner: Box<str>,
    /// Its status.
    pub status: Status,
    /// First valid local date (days since 1970-01-01), inclusive; `None` is open.
    pub valid_from: Option<i32>,
    /// Last valid local date, inclusive; `None` is open.
    pub valid_until: Option<i32>,
}

impl Registration {
    /// Whether the identifier may be used on local date `day`.
    pub fn is_active_on(&self, day: i32) -> bool {
        self.status == Status::Active
            && self.valid_from.is_none_or(|f| f <= day)
            && self.valid_until.is_none_or(|u| day <= u)
    }
}

/// An identifier added twice.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DuplicateIdentifier(pub Identifier);

impl fmt::Display for DuplicateIdentifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "identifier `{}` appears more than once", self.0)
    }
}

impl std::error::Error for DuplicateIdentifier {}

/// Collects registrations.
#[derive(Default, Debug, Clone)]
pub struct RegistryBuilder {
    map: crate::hash::Map<Identifier, Registration>,
}

impl RegistryBuilder {
    /// An empty builder.
    pub fn new() -> RegistryBuilder {
        RegistryBuilder::default()
    }

    /// Adds an identifier; each appears once (`brandnames.csv`, docs/formats.md).
    pub fn insert(
        &mut self,
        id: Identifier,
        reg: Registration,
    ) -> Result<&mut RegistryBuilder, DuplicateIdentifier> {
        if self.map.contains_key(&id) {
            return Err(DuplicateIdentifier(id));
        }
        self.map.insert(id, reg);
        Ok(self)
    }

    /// The registry.
    pub fn build(self) -> Registry {
        Registry { map: self.map }
    }
}

/// The compiled registry.
#[derive(Default, Debug, Clone)]
pub struct Registry {
    map: crate::hash::Map<Identifier, Registration>,
}

impl Registry {
    /// The registration of `id`, if issued.
    pub fn get(&self, id: &Identifier) -> Option<&Registration> {
        self.map.get(id)
    }

    /// How many identifiers are registered.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Nothing registered.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Every registration, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&Identifier, &Registration)> {
        self.map.iter()
    }

    /// The R8 reasons for `advertiser` using `id` on local date `day`:
    /// `BRAND_UNREGISTERED`, or any of `BRAND_OWNER` and `BRAND_INACTIVE`.
    /// `None` (no usable identifier) is unregistered.
    pub fn check(&self, id: Option<Identifier>, advertiser: &str, day: i32) -> Reasons {
        let mut r = Reasons::EMPTY;
        match id.as_ref().and_then(|id| self.map.get(id)) {
            None => r.insert(Reason::BrandUnregistered),
            Some(reg) => {
                if &*reg.owner != advertiser {
                    r.insert(Reason::BrandOwner);
                }
                if !reg.is_active_on(day) {
                    r.insert(Reason::BrandInactive);
                }
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks() {
        let mut b = RegistryBuilder::new();
        let reg = |owner: &str, status, from, until| Registration {
            owner: owner.into(),
            status,
            valid_from: from,
            valid_until: until,
        };
        b.insert(
            Identifier::parse("SHOPVN").unwrap(),
            reg("shop", Status::Active, Some(10), Some(20)),
        )
        .unwrap();
        b.insert(
            Identifier::parse("OLD").unwrap(),
            reg("shop", Status::Revoked, None, None),
        )
        .unwrap();
        assert!(b
            .insert(
                Identifier::parse("shopvn").unwrap(),
                reg("x", Status::Active, None, None)
            )
            .is_err());
        let r = b.build();
        let id = |s| Some(Identifier::parse(s).unwrap());
        assert!(r.check(id("ShopVN"), "shop", 10).is_empty());
        assert!(r.check(id("ShopVN"), "shop", 20).is_empty());
        assert!(r
            .check(id("ShopVN"), "shop", 21)
            .contains(Reason::BrandInactive));
        assert!(r
            .check(id("ShopVN"), "shop", 9)
            .contains(Reason::BrandInactive));
        assert!(r
            .check(id("ShopVN"), "other", 15)
            .contains(Reason::BrandOwner));
        assert!(r
            .check(id("OLD"), "shop", 15)
            .contains(Reason::BrandInactive));
        assert!(r
            .check(id("NEW"), "shop", 15)
            .contains(Reason::BrandUnregistered));
        assert!(r
            .check(None, "shop", 15)
            .contains(Reason::BrandUnregistered));
        let both = r.check(id("OLD"), "x", 15);
        assert!(both.contains(Reason::BrandOwner) && both.contains(Reason::BrandInactive));
    }
}
