" Vim compiler file for ipseclint: `:compiler ipseclint`, then `:make PATH...`
" (a gateway directory, a site of gateways, or single files) fills the
" quickfix list from `ipseclint --format gcc`.

if exists('current_compiler')
  finish
endif
let current_compiler = 'ipseclint'

if exists(':CompilerSet') != 2
  command -nargs=* CompilerSet setlocal <args>
endif

let s:cpo_save = &cpo
set cpo&vim

" `g:ipseclint_path` names the program (default: ipseclint on $PATH).
execute 'CompilerSet makeprg=' . escape(get(g:, 'ipseclint_path', 'ipseclint'), ' \|"')
      \ . '\ --format\ gcc\ $*'
" file:line:col: severity: message [CODE]; a note is a related place.
CompilerSet errorformat=%f:%l:%c:\ %trror:\ %m,
      \%f:%l:%c:\ %tarning:\ %m,
      \%f:%l:%c:\ %tote:\ %m

let &cpo = s:cpo_save
unlet s:cpo_save
