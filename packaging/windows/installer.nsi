; 户户清 Windows installer. Built on Debian by packaging/windows/build.sh, which passes
;   -DVERSION=0.1.0 -DVIVERSION=0.1.0.0 -DSRC=<staged tree> -DOUTFILE=<setup.exe>
; The staged tree: huhuqing.exe (GUI launcher), fieldapp.exe (command line), huhuqing.ico,
; python\ (embeddable CPython), lib\ (dependencies), app\ (fieldapp, resources, forms).
;
; Command line (IT staff):
;   setup.exe /S                      silent, for the current user (no administrator rights)
;   setup.exe /S /ALLUSERS            silent, for every user (run elevated; else exit code 740)
;   setup.exe /S /D=C:\path\huhuqing  another folder (/D= last, no quotes)
;   uninstall.exe /S [/REMOVEDATA]    silent removal; the user's data stays unless /REMOVEDATA
; The data (%LOCALAPPDATA%\fieldapp\huhuqing.db) is never inside the program folder, so an
; upgrade (a newer setup.exe over an older one) replaces the program and keeps the data.

Unicode true
Target amd64-unicode
ManifestDPIAware true
SetCompressor /SOLID lzma
SetCompressorDictSize 64
RequestExecutionLevel user

!include MUI2.nsh
!include LogicLib.nsh
!include FileFunc.nsh
!include nsDialogs.nsh

!define APP_NAME "户户清"
!define APP_ID "huhuqing"
!define UNINSTALL_KEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\${APP_ID}"
!define DATA_FOLDER "fieldapp" ; platformdirs' user data dir: %LOCALAPPDATA%\fieldapp

Name "${APP_NAME}"
OutFile "${OUTFILE}"
InstallDir ""
BrandingText "${APP_NAME} ${VERSION}"
ShowInstDetails show
ShowUninstDetails show

Var AllUsers      ; 1: for every user of this computer (Program Files, HKLM)
Var CustomDir     ; 1: the folder came from /D= or an earlier installation
Var RadioMe
Var RadioAll
Var DataDir       ; the data folder of the user running the uninstaller
Var RemoveData    ; 1: the uninstaller also deletes DataDir
Var DataBox

!define MUI_ICON "${SRC}\huhuqing.ico"
!define MUI_UNICON "${SRC}\huhuqing.ico"
!define MUI_ABORTWARNING
!define MUI_WELCOMEPAGE_TEXT "将安装户户清 ${VERSION}：困难职工入户走访“六清”调查（离线）。$\r$\n$\r$\n已有的数据（户档案、表册、附件）保存在用户数据文件夹中，安装或升级不会改动。$\r$\n$\r$\n单击“下一步”继续。"

!insertmacro MUI_PAGE_WELCOME
Page custom ModePage ModePageLeave
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!define MUI_FINISHPAGE_RUN "$INSTDIR\huhuqing.exe"
!define MUI_FINISHPAGE_RUN_TEXT "启动户户清"
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPage un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "SimpChinese"

VIProductVersion "${VIVERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductName" "${APP_NAME}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileDescription" "${APP_NAME} 安装程序"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_SIMPCHINESE} "LegalCopyright" "Apache-2.0"

; $0 = 1 when this process may write for every user (elevated), else 0
!macro IS_ELEVATED un
Function ${un}IsElevated
  ClearErrors
  WriteRegStr HKLM "Software\${APP_ID}" "elevation-probe" "1"
  ${If} ${Errors}
    StrCpy $0 0
  ${Else}
    DeleteRegValue HKLM "Software\${APP_ID}" "elevation-probe"
    DeleteRegKey /ifempty HKLM "Software\${APP_ID}"
    StrCpy $0 1
  ${EndIf}
FunctionEnd
!macroend
!insertmacro IS_ELEVATED ""
!insertmacro IS_ELEVATED "un."

Function ApplyMode
  ${If} $AllUsers == 1
    SetShellVarContext all
    ${If} $CustomDir != 1
      StrCpy $INSTDIR "$PROGRAMFILES64\${APP_ID}"
    ${EndIf}
  ${Else}
    SetShellVarContext current
    ${If} $CustomDir != 1
      StrCpy $INSTDIR "$LOCALAPPDATA\Programs\${APP_ID}"
    ${EndIf}
  ${EndIf}
FunctionEnd

Function .onInit
  StrCpy $AllUsers 0
  StrCpy $CustomDir 0
  ${If} $INSTDIR != ""
    StrCpy $CustomDir 1 ; /D= on the command line
  ${EndIf}
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R1
  ${IfNot} ${Errors}
    StrCpy $AllUsers 1
  ${Else}
    ; an upgrade goes where the earlier version is, for the same users
    ReadRegStr $R2 HKCU "${UNINSTALL_KEY}" "InstallLocation"
    ${If} $R2 == ""
      ReadRegStr $R2 HKLM "${UNINSTALL_KEY}" "InstallLocation"
      ${If} $R2 != ""
        StrCpy $AllUsers 1
      ${EndIf}
    ${EndIf}
    ${If} $R2 != ""
    ${AndIf} $CustomDir != 1
      StrCpy $INSTDIR $R2
      StrCpy $CustomDir 1
    ${EndIf}
  ${EndIf}
  ${If} $AllUsers == 1
    Call IsElevated
    ${If} $0 != 1
      ${If} ${Silent}
        SetErrorLevel 740 ; ERROR_ELEVATION_REQUIRED
        Quit
      ${EndIf}
      ExecShell "runas" "$EXEPATH" "/ALLUSERS"
      Quit
    ${EndIf}
  ${EndIf}
  Call ApplyMode
FunctionEnd

Function ModePage
  !insertmacro MUI_HEADER_TEXT "安装方式" "为谁安装户户清？"
  nsDialogs::Create 1018
  Pop $R0
  ${NSD_CreateLabel} 0 0 100% 24u "单位配发的电脑常常没有管理员权限：选“仅为我安装”即可，不需要管理员。"
  Pop $R0
  ${NSD_CreateRadioButton} 10u 32u 100% 14u "仅为我安装（推荐，无需管理员权限）"
  Pop $RadioMe
  ${NSD_CreateRadioButton} 10u 50u 100% 14u "为这台电脑的所有用户安装（需要管理员权限）"
  Pop $RadioAll
  ${If} $AllUsers == 1
    ${NSD_Check} $RadioAll
  ${Else}
    ${NSD_Check} $RadioMe
  ${EndIf}
  ${NSD_CreateLabel} 0 76u 100% 36u "每位用户的数据保存在各自的用户文件夹（%LOCALAPPDATA%\fieldapp）中，卸载程序默认保留这些数据。"
  Pop $R0
  nsDialogs::Show
FunctionEnd

Function ModePageLeave
  ${NSD_GetState} $RadioAll $R0
  ${If} $R0 == ${BST_CHECKED}
    Call IsElevated
    ${If} $0 != 1
      ClearErrors
      ExecShell "runas" "$EXEPATH" "/ALLUSERS"
      ${If} ${Errors}
        MessageBox MB_ICONEXCLAMATION "未获得管理员权限。请选择“仅为我安装”，或请信息化人员协助。"
        Abort
      ${EndIf}
      Quit
    ${EndIf}
    StrCpy $AllUsers 1
  ${Else}
    StrCpy $AllUsers 0
  ${EndIf}
  Call ApplyMode
FunctionEnd

!macro ASSOCIATE EXT PROGID DESCRIPTION VERB
  WriteRegStr SHCTX "Software\Classes\${EXT}" "" "${PROGID}"
  WriteRegStr SHCTX "Software\Classes\${EXT}\OpenWithProgids" "${PROGID}" ""
  WriteRegStr SHCTX "Software\Classes\${PROGID}" "" "${DESCRIPTION}"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\DefaultIcon" "" "$INSTDIR\huhuqing.ico,0"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\shell\open" "" "${VERB}"
  WriteRegStr SHCTX "Software\Classes\${PROGID}\shell\open\command" "" '"$INSTDIR\huhuqing.exe" --open "%1"'
!macroend

!macro UNASSOCIATE EXT PROGID
  ReadRegStr $R0 SHCTX "Software\Classes\${EXT}" ""
  ${If} $R0 == "${PROGID}"
    DeleteRegValue SHCTX "Software\Classes\${EXT}" ""
  ${EndIf}
  DeleteRegValue SHCTX "Software\Classes\${EXT}\OpenWithProgids" "${PROGID}"
  DeleteRegKey /ifempty SHCTX "Software\Classes\${EXT}\OpenWithProgids"
  DeleteRegKey /ifempty SHCTX "Software\Classes\${EXT}"
  DeleteRegKey SHCTX "Software\Classes\${PROGID}"
!macroend

Section "户户清" SecMain
  SectionIn RO
  ; an upgrade replaces the program files (none of them is data)
  ${If} ${FileExists} "$INSTDIR\huhuqing.exe"
    DetailPrint "替换旧版本的程序文件（数据不受影响）"
    RMDir /r "$INSTDIR\python"
    RMDir /r "$INSTDIR\lib"
    RMDir /r "$INSTDIR\app"
  ${EndIf}
  SetOutPath "$INSTDIR"
  File /r "${SRC}\*"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  DetailPrint "正在预编译程序文件，以便更快启动……"
  nsExec::ExecToLog '"$INSTDIR\python\python.exe" -m compileall -q "$INSTDIR\app" "$INSTDIR\lib"'
  Pop $R0

  CreateShortCut "$SMPROGRAMS\${APP_NAME}.lnk" "$INSTDIR\huhuqing.exe" "" "$INSTDIR\huhuqing.ico" 0 SW_SHOWNORMAL "" "困难职工入户走访“六清”调查"
  CreateShortCut "$DESKTOP\${APP_NAME}.lnk" "$INSTDIR\huhuqing.exe" "" "$INSTDIR\huhuqing.ico" 0 SW_SHOWNORMAL "" "困难职工入户走访“六清”调查"

  !insertmacro ASSOCIATE ".hhq" "Huhuqing.Bundle" "户户清数据包" "导入到户户清"
  !insertmacro ASSOCIATE ".hhqe" "Huhuqing.Enrollment" "户户清登记文件" "用此文件登记本机"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayName" "${APP_NAME}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "Publisher" "户户清 (fieldapp)"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "DisplayIcon" "$INSTDIR\huhuqing.ico"
  WriteRegStr SHCTX "${UNINSTALL_KEY}" "InstallLocation" "$INSTDIR"
  ${If} $AllUsers == 1
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS'
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /ALLUSERS /S'
  ${Else}
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
    WriteRegStr SHCTX "${UNINSTALL_KEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  ${EndIf}
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoModify" 1
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $R0 $R1 $R2
  IntFmt $R0 "0x%08X" $R0
  WriteRegDWORD SHCTX "${UNINSTALL_KEY}" "EstimatedSize" "$R0"
SectionEnd

Function un.onInit
  StrCpy $RemoveData 0
  SetShellVarContext current
  StrCpy $DataDir "$LOCALAPPDATA\${DATA_FOLDER}"
  ${GetParameters} $R0
  ClearErrors
  ${GetOptions} $R0 "/REMOVEDATA" $R1
  ${IfNot} ${Errors}
    StrCpy $RemoveData 1
  ${EndIf}
  ClearErrors
  ${GetOptions} $R0 "/ALLUSERS" $R1
  ${IfNot} ${Errors}
    Call un.IsElevated
    ${If} $0 != 1
      ${If} ${Silent}
        SetErrorLevel 740
        Quit
      ${EndIf}
      ExecShell "runas" "$INSTDIR\uninstall.exe" "/ALLUSERS"
      Quit
    ${EndIf}
    SetShellVarContext all
  ${EndIf}
FunctionEnd

Function un.DataPage
  !insertmacro MUI_HEADER_TEXT "用户数据" "卸载程序默认保留您的数据"
  nsDialogs::Create 1018
  Pop $R0
  ${NSD_CreateLabel} 0 0 100% 36u "户档案、表册、附件和密钥保存在：$\r$\n$DataDir$\r$\n保留它们，重新安装户户清后即可继续使用。"
  Pop $R0
  ${NSD_CreateCheckBox} 0 44u 100% 14u "同时删除这些数据（无法恢复）"
  Pop $DataBox
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $DataBox $R0
  ${If} $R0 == ${BST_CHECKED}
    MessageBox MB_YESNO|MB_ICONEXCLAMATION|MB_DEFBUTTON2 "确定删除 $DataDir 中的全部户户清数据吗？此操作无法恢复。" IDYES +2
    Abort
    StrCpy $RemoveData 1
  ${EndIf}
FunctionEnd

Section "Uninstall"
  Delete "$SMPROGRAMS\${APP_NAME}.lnk"
  Delete "$DESKTOP\${APP_NAME}.lnk"
  !insertmacro UNASSOCIATE ".hhq" "Huhuqing.Bundle"
  !insertmacro UNASSOCIATE ".hhqe" "Huhuqing.Enrollment"
  System::Call 'shell32::SHChangeNotify(i 0x08000000, i 0, p 0, p 0)'

  RMDir /r "$INSTDIR\python"
  RMDir /r "$INSTDIR\lib"
  RMDir /r "$INSTDIR\app"
  Delete "$INSTDIR\huhuqing.exe"
  Delete "$INSTDIR\fieldapp.exe"
  Delete "$INSTDIR\huhuqing.ico"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey SHCTX "${UNINSTALL_KEY}"

  ${If} $RemoveData == 1
    DetailPrint "删除用户数据：$DataDir"
    RMDir /r "$DataDir"
  ${Else}
    DetailPrint "保留用户数据：$DataDir"
  ${EndIf}
SectionEnd
