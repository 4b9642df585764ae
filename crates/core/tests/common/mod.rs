//! What several test binaries build the same way.

use chanrac::ident::Identifier;
use chanrac::registry::{Registration, Registry, RegistryBuilder, Status};

/// The bank's identifiers: the ad-call number `02473001234` and the
/// brandname `BANKVN`, both active, owned by `bank`.
pub fn bank_registry() -> Registry {
    let mut reg = RegistryBuilder::new();
    for (id, owner) in [("02473001234", "bank"), ("BANKVN", "bank")] {
        reg.insert(
            Identifier::parse(id).expect("a valid identifier"),
            Registration {
                owner: owner.into(),
                status: Status::Active,
                valid_from: None,
                valid_until: None,
            },
        )
        .expect("distinct identifiers");
    }
    reg.build()
}
