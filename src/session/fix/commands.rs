//! The exact commands an action runs, made only from what the live machine says now (the fresh
//! snapshot's service and product, found again by their ids) and checked before use: a name
//! that could be read as an option or a glob, a system service, an Essential package or an
//! uninstaller that is a shell is refused. Nothing is ever handed to a shell.

use crate::engine::kb::ActionKind;
use crate::engine::safety::{package_refusal, service_refusal};
use crate::engine::snapshot::{Product, Service, ServiceManager};
use crate::platform::parse::cmdline::{msi_product_code, msiexec_uninstall_argv, uninstall_argv};
use crate::platform::{Command, Machine};

fn argv(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

/// The service manager's steps. A systemd socket unit is stopped with its service, or
/// socket activation would start the service again on the next connection. A Windows service
/// is disabled and stopped through the Service Control Manager itself, not `sc.exe`.
pub fn service_commands(kind: ActionKind, service: &Service) -> Result<Vec<Command>, String> {
    for id in std::iter::once(&service.id).chain(service.socket_unit.iter()) {
        if let Some(why) = service_refusal(id, service.manager) {
            return Err(why);
        }
    }
    let disable = kind == ActionKind::DisableService;
    Ok(match service.manager {
        ServiceManager::Systemd => {
            let mut cmd = if disable {
                argv(&["systemctl", "disable", "--now", "--"])
            } else {
                argv(&["systemctl", "stop", "--"])
            };
            cmd.push(service.id.clone());
            cmd.extend(service.socket_unit.clone());
            vec![Command::Run(cmd)]
        }
        ServiceManager::Scm => {
            let stop = Command::StopService(service.id.clone());
            if disable {
                vec![Command::DisableService(service.id.clone()), stop]
            } else {
                vec![stop]
            }
        }
        ServiceManager::Launchd => {
            let target = format!("system/{}", service.id);
            if disable {
                vec![
                    Command::Run(argv(&["launchctl", "disable", &target])),
                    Command::Run(argv(&["launchctl", "bootout", &target])),
                ]
            } else {
                vec![Command::Run(argv(&["launchctl", "bootout", &target]))]
            }
        }
    })
}

/// Programs that run other programs' text: an uninstall string naming one of these is not an
/// uninstaller but a command line, and is refused.
const SHELLS: [&str; 11] = [
    "cmd",
    "command",
    "powershell",
    "pwsh",
    "wscript",
    "cscript",
    "mshta",
    "bash",
    "sh",
    "wsl",
    "conhost",
];

/// The package manager's command, or the product's own uninstaller, for `product` as the
/// live machine lists it.
pub fn uninstall_commands(
    machine: &dyn Machine,
    product: &Product,
) -> Result<Vec<Command>, String> {
    if let Some(why) = &product.protected {
        return Err(why.clone());
    }
    let name = &product.name;
    let package = || package_refusal(name).map_or(Ok(()), Err);
    Ok(match product.source.as_str() {
        "dpkg" if machine.on_path("apt-get") => {
            package()?;
            vec![argv(&["apt-get", "remove", "-y", "--", name])]
        }
        "dpkg" => {
            package()?;
            vec![argv(&["dpkg", "--remove", "--", name])]
        }
        "rpm" => {
            package()?;
            let tool = ["dnf", "zypper", "yum"]
                .into_iter()
                .find(|t| machine.on_path(t))
                .unwrap_or("rpm");
            match tool {
                "zypper" => vec![argv(&["zypper", "--non-interactive", "remove", name])],
                "rpm" => vec![argv(&["rpm", "-e", "--", name])],
                other => vec![argv(&[other, "remove", "-y", "--", name])],
            }
        }
        "pacman" => {
            package()?;
            vec![argv(&["pacman", "-R", "--noconfirm", "--", name])]
        }
        "registry" => return Ok(vec![Command::Uninstaller(registry_uninstaller(product)?)]),
        "app_bundle" => vec![trash_app_bundle(product)?],
        other => return Err(format!("PortSleuth cannot uninstall products from {other}")),
    }
    .into_iter()
    .map(Command::Run)
    .collect())
}

/// An MSI package is removed with `msiexec /x {product code}`; anything else runs its own
/// uninstaller, split into program and arguments by Windows' rules — never through `cmd /C`.
fn registry_uninstaller(product: &Product) -> Result<Vec<String>, String> {
    if !cfg!(windows) {
        return Err(format!(
            "{} is a Windows product; run PortSleuth on that Windows machine to uninstall it",
            product.name
        ));
    }
    let line = product
        .quiet_uninstall_command
        .as_deref()
        .or(product.uninstall_command.as_deref())
        .ok_or("the product has no uninstall command in the registry")?;
    let split = uninstall_argv(line);
    let program = split.first().ok_or("the uninstall command is empty")?;
    let stem = program
        .rsplit(['\\', '/'])
        .next()
        .unwrap_or(program)
        .to_ascii_lowercase();
    let stem = stem.strip_suffix(".exe").unwrap_or(&stem);
    if stem == "msiexec" {
        // `MsiExec.exe /I{GUID}` (which would repair) or `/X{GUID}`: remove, by product code.
        let code = split
            .iter()
            .skip(1)
            .find_map(|a| msi_product_code(a.trim_start_matches(['/', '-', 'I', 'i', 'X', 'x'])))
            .or_else(|| product.id.rsplit('/').next().and_then(msi_product_code))
            .ok_or("the Windows Installer command names no product code")?;
        return msiexec_uninstall_argv(&code, product.quiet_uninstall_command.is_some())
            .ok_or_else(|| "the product code is not valid".to_owned());
    }
    if SHELLS.contains(&stem) {
        return Err(format!("its uninstall command runs {program}, a command interpreter, not an uninstaller; remove it from Programs and Features instead"));
    }
    let absolute = program.len() > 2 && program.as_bytes().get(1) == Some(&b':')
        || program.starts_with("\\\\");
    if !absolute {
        return Err(format!(
            "its uninstall command names {program}, not a full path to an uninstaller; remove it from Programs and Features instead"
        ));
    }
    Ok(split)
}

/// A macOS app is moved to the user's Trash, never one under /System.
fn trash_app_bundle(product: &Product) -> Result<Vec<String>, String> {
    let bundle = product
        .install_location
        .as_deref()
        .ok_or("the app's location is unknown")?;
    if !bundle.starts_with('/') || !bundle.ends_with(".app") || bundle.starts_with("/System/") {
        return Err(format!(
            "{bundle} is not an app PortSleuth may move to the Trash"
        ));
    }
    let trash = dirs::home_dir()
        .map(|h| h.join(".Trash").display().to_string())
        .ok_or("no home folder for the Trash")?;
    Ok(argv(&["mv", "--", bundle, &trash]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(manager: ServiceManager, id: &str, socket: Option<&str>) -> Service {
        Service {
            id: id.into(),
            display_name: "Dovecot".into(),
            manager,
            state: "active".into(),
            start_type: "enabled".into(),
            pid: Some(10),
            socket_unit: socket.map(str::to_owned),
        }
    }

    #[test]
    fn systemd_stops_the_socket_unit_with_the_service() {
        let cmds = service_commands(
            ActionKind::StopService,
            &service(
                ServiceManager::Systemd,
                "dovecot.service",
                Some("dovecot.socket"),
            ),
        );
        assert_eq!(
            cmds,
            Ok(vec![Command::Run(argv(&[
                "systemctl",
                "stop",
                "--",
                "dovecot.service",
                "dovecot.socket"
            ]))])
        );
        let cmds = service_commands(
            ActionKind::DisableService,
            &service(ServiceManager::Systemd, "dovecot.service", None),
        );
        assert_eq!(
            cmds,
            Ok(vec![Command::Run(argv(&[
                "systemctl",
                "disable",
                "--now",
                "--",
                "dovecot.service"
            ]))])
        );
    }

    #[test]
    fn a_unit_named_like_an_option_or_a_glob_is_refused() {
        for id in ["*", "--now", "-.service"] {
            assert!(service_commands(
                ActionKind::StopService,
                &service(ServiceManager::Systemd, id, None)
            )
            .is_err());
        }
    }

    #[test]
    fn windows_services_are_disabled_then_stopped_through_the_service_control_manager() {
        let steps = service_commands(
            ActionKind::DisableService,
            &service(ServiceManager::Scm, "NAVAPSVC", None),
        )
        .expect("allowed");
        assert_eq!(
            steps,
            vec![
                Command::DisableService("NAVAPSVC".into()),
                Command::StopService("NAVAPSVC".into())
            ]
        );
        // The preview names the calls in words, not an `sc.exe` command line.
        let words: Vec<String> = steps.iter().map(Command::describe).collect();
        assert!(
            words[0].contains("disabled (ChangeServiceConfig)"),
            "{words:?}"
        );
        assert!(
            words[1].contains("Service Control Manager to stop service NAVAPSVC"),
            "{words:?}"
        );
        assert!(!words.iter().any(|w| w.contains("sc ")), "{words:?}");
    }

    #[test]
    fn launchd_jobs_are_booted_out_and_disabled() {
        let s = service(ServiceManager::Launchd, "com.example.mailguard", None);
        assert_eq!(
            service_commands(ActionKind::StopService, &s),
            Ok(vec![Command::Run(argv(&[
                "launchctl",
                "bootout",
                "system/com.example.mailguard"
            ]))])
        );
    }

    fn product(source: &str, name: &str) -> Product {
        Product {
            id: format!("{source}:{name}"),
            name: name.into(),
            version: String::new(),
            publisher: String::new(),
            source: source.into(),
            install_location: None,
            uninstall_command: None,
            quiet_uninstall_command: None,
            protected: None,
        }
    }

    #[test]
    fn package_names_that_are_options_and_essential_packages_are_refused() {
        let m = crate::platform::LiveMachine;
        assert!(
            uninstall_commands(&m, &product("dpkg", "-oDPkg::Pre-Invoke::=touch /tmp/x")).is_err()
        );
        let mut essential = product("dpkg", "base-files");
        essential.protected = Some("base-files is an essential package".into());
        assert!(uninstall_commands(&m, &essential).is_err());
        let ok = uninstall_commands(&m, &product("dpkg", "nginx-core")).expect("a package");
        let Command::Run(argv) = &ok[0] else {
            panic!("a package manager's command: {ok:?}");
        };
        assert_eq!(argv.last().map(String::as_str), Some("nginx-core"));
        assert!(argv.contains(&"--".to_owned()));
    }

    #[test]
    fn a_registry_product_is_never_run_through_a_shell() {
        let mut p = product("registry", "Norton AntiVirus");
        p.uninstall_command = Some("cmd /C del /q C:\\\\* & calc".into());
        let got = registry_uninstaller(&p);
        assert!(got.is_err(), "{got:?}");
        if cfg!(windows) {
            p.uninstall_command =
                Some("MsiExec.exe /I{5A1F2C3B-1111-2222-3333-444455556666}".into());
            assert_eq!(
                registry_uninstaller(&p),
                Ok(argv(&[
                    "msiexec.exe",
                    "/x",
                    "{5A1F2C3B-1111-2222-3333-444455556666}"
                ]))
            );
            p.uninstall_command = Some(r#""C:\Program Files\NAV\uninst.exe" /S"#.into());
            assert_eq!(
                registry_uninstaller(&p),
                Ok(argv(&[r"C:\Program Files\NAV\uninst.exe", "/S"]))
            );
        }
    }
}
