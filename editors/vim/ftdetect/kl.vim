" layoutc layout files
autocmd BufRead,BufNewFile *.kl setfiletype kl
