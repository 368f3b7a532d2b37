" Vim filetype plugin
" Language:     racoon.conf (ipsec-tools racoon(8) configuration)
" Filetype:     racoon
" Part of:      ipseclint (editors/vim)
"
" Sets comments, keyword characters (racoon words contain `_`) and syntax
" folding of the `{ }` blocks; files open unfolded ('foldlevel' 99).
" With g:ipseclint_hide_keys = 1 the secrets the syntax file conceals are
" hidden ('conceallevel' 2, also on the cursor line in Normal mode).

if exists("b:did_ftplugin")
  finish
endif
let b:did_ftplugin = 1

let s:cpo_save = &cpo
set cpo&vim

setlocal commentstring=#\ %s
setlocal comments=:#
setlocal iskeyword=@,48-57,_,192-255
setlocal formatoptions-=t formatoptions+=croql
setlocal foldmethod=syntax
setlocal foldlevel=99

let b:undo_ftplugin = 'setlocal commentstring< comments< iskeyword< formatoptions< foldmethod< foldlevel<'

if get(g:, 'ipseclint_hide_keys', 0)
  setlocal conceallevel=2 concealcursor=nc
  let b:undo_ftplugin .= ' conceallevel< concealcursor<'
endif

let &cpo = s:cpo_save
unlet s:cpo_save
