" Vim filetype plugin
" Language:     psk.txt (racoon(8) pre-shared keys)
" Filetype:     racoonpsk
" Part of:      ipseclint (editors/vim)
"
" A comment is a `#` in column 1. Identifiers (addresses, FQDNs,
" user@FQDN) are one word for `*` and `w`. No folding.
" With g:ipseclint_hide_keys = 1 the keys are concealed ('conceallevel' 2,
" also on the cursor line in Normal mode); see syntax/racoonpsk.vim.

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal iskeyword=@,48-57,_,192-255,.,-,@-@,:
setlocal formatoptions-=t formatoptions-=c formatoptions-=o formatoptions+=rql

let b:undo_ftplugin = 'setlocal commentstring< comments< iskeyword< formatoptions<'

if get(g:, 'ipseclint_hide_keys', 0)
  setlocal conceallevel=2 concealcursor=nc
  let b:undo_ftplugin .= ' conceallevel< concealcursor<'
endif

let &cpo = s:cpo_save
unlet s:cpo_save
