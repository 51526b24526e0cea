; Inno Setup script: the counter app's installer for Windows store PCs (docs/install-store-pc.md).
;
; Build on Windows, after the bundle (pyinstaller.spec → dist\pharmacy-desk\):
;     "C:\Program Files (x86)\Inno Setup 6\ISCC.exe" /DAppVersion=0.1.0 packaging\windows\pharmacy-desk.iss
; → dist\pharmacy-desk-setup-0.1.0.exe
;
; Needs Inno Setup 6.3 or newer (x64compatible). This file is UTF-8 with a BOM (Russian texts).
;
; - per-machine install to Program Files (administrator rights), Start-menu entries for every user;
; - upgrade in place: the AppId below never changes, so a newer setup replaces the program where it is.
;   The old runtime (_internal) is deleted first, so no file of an older version is left behind.
;   Settings, the device token, logs and the offline queue are NOT in the install folder (they are per
;   Windows user: %LOCALAPPDATA%\pharmacy-desk\pharmacy-desk, Windows Credential Manager) and survive
;   upgrades and uninstalls;
; - a running app is asked to close (Restart Manager) before its files are replaced or removed;
; - silent install for IT: pharmacy-desk-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /NORESTART /SP-

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#define AppName "Аптечная касса"
#define AppNameEn "Pharmacy Desk"
#define Root "..\.."
#define Bundle Root + "\dist\pharmacy-desk"

[Setup]
; NEVER change the AppId: it is how Windows and this setup recognise an installed version to upgrade.
AppId={{9C8656AA-F986-401E-A649-BFA5BC95405E}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=pharmacy_desk
VersionInfoVersion={#AppVersion}
VersionInfoProductName={#AppNameEn}
DefaultDirName={autopf}\{#AppNameEn}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
UsePreviousAppDir=yes
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
CloseApplications=yes
RestartApplications=no
SetupIconFile={#Root}\resources\icons\pharmacy-desk.ico
UninstallDisplayIcon={app}\pharmacy-desk.exe
UninstallDisplayName={#AppName} ({#AppNameEn})
OutputDir={#Root}\dist
OutputBaseFilename=pharmacy-desk-setup-{#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; Code signing (not set up yet): SignTool=... ; unsigned setups get a SmartScreen warning.

[Languages]
Name: "russian"; MessagesFile: "compiler:Languages\Russian.isl"
Name: "english"; MessagesFile: "compiler:Default.isl"

[CustomMessages]
russian.SelfTest=Проверка установки
english.SelfTest=Installation self-test
russian.LaunchApp=Запустить «{#AppName}»
english.LaunchApp=Start {#AppNameEn}

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[InstallDelete]
; the previous version's runtime: replaced as a whole (user data is never here)
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#Bundle}\pharmacy-desk.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#Bundle}\pharmacy-desk-console.exe"; DestDir: "{app}"; Flags: ignoreversion
Source: "{#Bundle}\_internal\*"; DestDir: "{app}\_internal"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\{#AppName}"; Filename: "{app}\pharmacy-desk.exe"; WorkingDir: "{app}"; Comment: "{#AppNameEn}: Kuper orders"
Name: "{autoprograms}\{#AppName} — {cm:SelfTest}"; Filename: "{cmd}"; Parameters: "/k ""{app}\pharmacy-desk-console.exe"" --self-test"; WorkingDir: "{app}"; IconFilename: "{app}\pharmacy-desk.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\pharmacy-desk.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
; as the user who started the setup, not as the administrator: the settings are per user
Filename: "{app}\pharmacy-desk.exe"; Description: "{cm:LaunchApp}"; Flags: nowait postinstall skipifsilent runasoriginaluser

[UninstallDelete]
; only what the program itself might leave in its folder; the users' settings, tokens and logs stay
Type: filesandordirs; Name: "{app}\_internal"
