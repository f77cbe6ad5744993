import type { Catalog } from "./types";

export const fr: Catalog = {
  "app.name": "Hanout",

  "header.cooperative": "Coopérative : {name}",
  "header.language": "Langue",

  "form.heading": "Nouvelle annonce",
  "form.title": "Titre",
  "form.titlePlaceholder": "Tapis berbère, 2 × 3 m",
  "form.price": "Prix (MAD)",
  "form.pricePlaceholder": "4 500,50",
  "form.save": "Enregistrer",
  "form.saving": "Enregistrement…",

  "list.heading": "Vos annonces",
  "list.empty": "Aucune annonce pour l'instant — ajoutez votre premier produit ci-dessus",

  "sync.waiting": "En attente de synchronisation",
  "sync.live": "En ligne sur la place de marché",
  "sync.failed.forbidden":
    "Non publiée : la place de marché a refusé l'accès — vérifiez le compte de votre coopérative",
  "sync.failed.invalid": "Non publiée : la place de marché a refusé cette annonce — vérifiez son titre et son prix",
  "sync.failed.unknown": "Non publiée : la synchronisation a échoué",

  "status.pending": {
    one: "{count} annonce en attente de synchronisation",
    many: "{count} d'annonces en attente de synchronisation",
    other: "{count} annonces en attente de synchronisation",
  },
  "status.connection.not_configured": "Pas encore connecté à une place de marché",
  "status.connection.offline": "Pas de connexion — votre travail est enregistré et sera envoyé plus tard",
  "status.connection.syncing": "Synchronisation…",
  "status.connection.online": "Connecté à la place de marché",
  "status.lastError": "Dernière erreur : {message}",
  "syncError.not_configured": "aucune adresse de marketplace n'est définie",
  "syncError.not_enrolled": "cet ordinateur n'est pas encore inscrit — saisissez le code de la marketplace",
  "syncError.unauthorized": "la marketplace a refusé cet ordinateur — demandez un nouveau code d'inscription",
  "syncError.network": "la marketplace est injoignable ; Hanout réessaiera tout seul",
  "syncError.server": "la marketplace a eu un problème ; Hanout réessaiera tout seul",
  "syncError.protocol": "la marketplace a répondu de façon inattendue ; Hanout réessaiera",
  "syncError.storage": "le catalogue local n'a pas pu être lu — voir le fichier journal",
  "status.lastSynced": "Dernière synchronisation : {time}",
  "status.neverSynced": "Pas encore synchronisé",
  "status.syncNow": "Synchroniser maintenant",

  "error.title.required": "Saisissez un titre pour l'annonce",
  "error.title.too_long": "Le titre est trop long — raccourcissez-le",
  "error.title.not_a_number": "Le titre n'est pas valide — vérifiez la saisie",
  "error.title.too_many_decimals": "Le titre n'est pas valide — vérifiez la saisie",
  "error.title.negative": "Le titre n'est pas valide — vérifiez la saisie",
  "error.title.too_large": "Le titre est trop long — raccourcissez-le",
  "error.price.required": "Saisissez un prix en dirhams",
  "error.price.too_long": "Le prix est trop long — vérifiez la saisie",
  "error.price.not_a_number": "Le prix doit être un nombre, par exemple 4500 ou 4 500,50",
  "error.price.too_many_decimals": "Le prix accepte au plus 2 décimales (centimes)",
  "error.price.negative": "Le prix ne peut pas être négatif",
  "error.price.too_large": "Le prix est trop élevé — vérifiez le nombre de zéros",
  "error.not_found": "Cette annonce n'existe plus — elle a peut-être été supprimée",
  "error.storage":
    "Impossible de lire ou d'enregistrer les données sur cet ordinateur ({message}) — vérifiez l'espace disque libre et réessayez",
  "error.ipc": "L'application ne joint plus son moteur ({message}) — redémarrez Hanout",
};
