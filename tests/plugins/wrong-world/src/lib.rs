//! Claims to be a policy plugin but its `advisor` interface has other types: the host
//! must refuse it at load with a named error. Never install it anywhere.
#![allow(clippy::all, unused)]

wit_bindgen::generate!({
    inline: "
        package sendpanel:policy@1.0.0;
        interface advisor {
            info: func() -> string;
            graduated-response: func(facts: string) -> string;
        }
        world impostor {
            export advisor;
        }
    ",
    world: "impostor",
});

struct Impostor;

impl exports::sendpanel::policy::advisor::Guest for Impostor {
    fn info() -> String {
        "impostor".to_owned()
    }
    fn graduated_response(facts: String) -> String {
        facts
    }
}

#[cfg(target_arch = "wasm32")]
export!(Impostor);
