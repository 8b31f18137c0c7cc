use super::*;

#[test]
fn instance_addresses_round_trip_as_written() {
    for s in [
        "mock_server.web",
        "mock_server.web[0]",
        "mock_server.web[-1]",
        "mock_server.web[\"a b\"]",
        "mock_server.web[\"a.b[\\\"c\\\"]\"]",
        "data.mock_zones.all",
        "data.mock_zones.all[2]",
        "module.net.aws_vpc.main",
        "module.net[\"a\"].aws_subnet.private[0]",
        "module.net[0].module.sub[\"x.y\"].data.aws_region.current",
    ] {
        let addr = InstanceAddr::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        assert_eq!(addr.to_string(), s);
        let json = serde_json::to_string(&addr).unwrap();
        assert_eq!(json, serde_json::to_string(s).unwrap(), "serialized as the plain string");
        assert_eq!(serde_json::from_str::<InstanceAddr>(&json).unwrap(), addr);
    }
}

#[test]
fn parts_of_a_module_address_are_typed() {
    let a = InstanceAddr::parse("module.net[\"a\"].module.sub.aws_subnet.private[3]").unwrap();
    assert_eq!(a.module.to_string(), "module.net[\"a\"].module.sub");
    assert_eq!(a.module.path().to_string(), "module.net.module.sub");
    assert_eq!(a.resource, ResourceAddr::managed("aws_subnet", "private"));
    assert_eq!(a.key, InstanceKey::Int(3));
    assert_eq!(a.abs_resource().to_string(), "module.net[\"a\"].module.sub.aws_subnet.private");
    assert_eq!(a.config_resource().to_string(), "module.net.module.sub.aws_subnet.private");
    assert_eq!(ConfigResourceAddr::parse("module.net.aws_vpc.main").unwrap().module, ModulePath(vec!["net".into()]));
}

#[test]
fn bad_addresses_say_what_is_expected() {
    for s in [
        "",
        "web",
        "a.b.c.d",
        "mock_server.web[",
        "mock_server.web[x]",
        "mock_server.web[\"open]",
        "mock_server.web[0]x",
        "1x.web",
        "module.a",
        "module..x.y",
        "module.a.",
        "data.x",
    ] {
        let err = InstanceAddr::parse(s).unwrap_err().to_string();
        assert!(err.contains("expected TYPE.NAME"), "{s}: {err}");
        assert!(err.contains(&format!("{s:?}")), "names the text: {err}");
    }
    assert!(ConfigResourceAddr::parse("aws_vpc.main[0]").is_err(), "no keys in a configuration address");
    assert!(ResourceAddr::parse("module.a.aws_vpc.main").is_err(), "no module in a relative address");
}

#[test]
fn a_pattern_without_keys_selects_every_instance() {
    let all = InstanceAddr::parse("mock_server.web").unwrap();
    assert!(InstanceAddr::parse("mock_server.web[3]").unwrap().matches(&all));
    assert!(!InstanceAddr::parse("mock_server.db[3]").unwrap().matches(&all));
    assert!(!InstanceAddr::parse("module.a.mock_server.web[3]").unwrap().matches(&all), "another module");
    let in_any = InstanceAddr::parse("module.a.mock_server.web").unwrap();
    assert!(InstanceAddr::parse("module.a[\"x\"].mock_server.web[1]").unwrap().matches(&in_any));
    let in_one = InstanceAddr::parse("module.a[\"y\"].mock_server.web").unwrap();
    assert!(!InstanceAddr::parse("module.a[\"x\"].mock_server.web[1]").unwrap().matches(&in_one));
}

#[test]
fn a_module_target_selects_everything_inside_it() {
    let t = Target::parse("module.net").unwrap();
    assert_eq!(t, Target::Module(ModuleInstance::root().child("net", InstanceKey::None)));
    assert!(t.matches(&InstanceAddr::parse("module.net[\"a\"].module.sub.aws_vpc.x").unwrap()));
    assert!(!t.matches(&InstanceAddr::parse("module.other.aws_vpc.x").unwrap()));
    assert!(!t.matches(&InstanceAddr::parse("aws_vpc.x").unwrap()));
    let keyed = Target::parse("module.net[1]").unwrap();
    assert!(keyed.matches(&InstanceAddr::parse("module.net[1].aws_vpc.x").unwrap()));
    assert!(!keyed.matches(&InstanceAddr::parse("module.net[2].aws_vpc.x").unwrap()));
    assert_eq!(Target::parse("aws_vpc.x[0]").unwrap().to_string(), "aws_vpc.x[0]");
    assert!(ModuleInstance::parse("aws_vpc.x").is_err());
}

#[test]
fn mode_reads_and_writes_the_state_spelling() {
    assert_eq!(serde_json::to_string(&Mode::Data).unwrap(), "\"data\"");
    assert_eq!(serde_json::from_str::<Mode>("\"managed\"").unwrap(), Mode::Managed);
    let err = serde_json::from_str::<Mode>("\"weird\"").unwrap_err().to_string();
    assert!(err.contains("mode \"weird\""), "{err}");
}

#[test]
fn addresses_honour_width_when_aligned_in_columns() {
    let a = InstanceAddr::parse("aws_vpc.main[0]").unwrap();
    assert_eq!(format!("[{a:18}]"), "[aws_vpc.main[0]   ]");
    let m = InstanceAddr::parse("module.n.aws_vpc.x").unwrap();
    assert_eq!(format!("[{m:>20}]"), "[  module.n.aws_vpc.x]");
}
