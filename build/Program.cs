using AlpineMirror.Build;

return await MirrorHost.Create().RunAsync(args);
