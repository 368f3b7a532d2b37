" Vim filetype plugin
" Language:     IPFilter rules (ipf.conf / ipf.rules)
" Filetype:     ipf
" Part of:      ipseclint (editors/vim)
"
" Sets comments and keyword characters (IPFilter words contain `-`:
" return-rst, dup-to, icmp-type). One rule per line (or a few joined
" ones): no folding.

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal iskeyword=@,48-57,_,192-255,-
setlocal formatoptions-=t formatoptions+=croql

let b:undo_ftplugin = 'setlocal commentstring< comments< iskeyword< formatoptions<'

let &cpo = s:cpo_save
unlet s:cpo_save
